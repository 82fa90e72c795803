package runner

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"

	"go.uber.org/zap/zapcore"
)

// Exit codes of a command line Run does not serve with.
const (
	exitOK    = 0
	exitUsage = 2
)

// usage is the help of a compiled runner; %[1]s is the program's name.
const usage = `Usage: %[1]s [run] [flags]

An APISIX plugin runner serving the plugins compiled into it. APISIX starts
it (ext-plugin.cmd) and sets APISIX_LISTEN_ADDRESS (the unix socket, default
unix:/tmp/runner.sock) and APISIX_CONF_EXPIRE_TIME (seconds a conf token
lives). It stops on SIGTERM or SIGINT.

"run" is accepted and ignored, so that the reference runner's command line
(["/path/runner", "run"]) works unchanged.

Flags:
  --log-level LEVEL   lowest level logged: debug, info, warn or error
                      (default: the program's own, %[2]s)
  --version           print the version and exit
  -h, --help          print this help and exit
`

// cmdLine is what the command line asks of Run.
type cmdLine struct {
	logLevel zapcore.Level
	// exit, when set, ends the program with *exit instead of serving.
	exit *int
}

// parseArgs reads the command line (without the program name); level is
// the configured log level, which --log-level overrides. Help and version
// go to stdout, errors to stderr.
func parseArgs(args []string, level zapcore.Level, stdout, stderr io.Writer) cmdLine {
	prog := filepath.Base(os.Args[0])
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var help, version bool
	lvl := level
	fs.BoolVar(&help, "help", false, "")
	fs.BoolVar(&help, "h", false, "")
	fs.BoolVar(&version, "version", false, "")
	fs.TextVar(&lvl, "log-level", level, "")
	exit := func(code int) cmdLine { return cmdLine{exit: &code} }
	if len(args) > 0 && args[0] == "run" {
		args = args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, usage, prog, level)
			return exit(exitOK)
		}
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", prog, err, prog)
		return exit(exitUsage)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\nRun '%s --help' for usage.\n", prog, fs.Arg(0), prog)
		return exit(exitUsage)
	}
	switch {
	case help:
		fmt.Fprintf(stdout, usage, prog, level)
		return exit(exitOK)
	case version:
		fmt.Fprint(stdout, versionText(prog))
		return exit(exitOK)
	}
	return cmdLine{logLevel: lvl}
}

// versionText is what --version prints: the program's module version and
// commit as the Go toolchain recorded them, the SDK's version and Go's.
func versionText(prog string) string {
	main, commit := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		main = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	return fmt.Sprintf("%s %s\ncommit: %s\nsdk:    go-runner %s\ngo:     %s\n", prog, main, commit, Version(), runtime.Version())
}
