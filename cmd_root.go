package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed: a unit did not load, the runner stopped on an error
	exitUsage   = 2 // nothing was run: bad flags or arguments, invalid configuration
)

// execute runs the command line args and returns the exit code.
func execute(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	return exitCode(root.Execute(), stderr)
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "go-runner",
		Short: "APISIX external plugin runner for Go plugins written as scripts",
		Long: `go-runner serves Apache APISIX's ext-plugin-pre-req, ext-plugin-post-req and
ext-plugin-post-resp over a unix socket. Its plugins are Go source files
under the scripts directory, interpreted when they are loaded.

APISIX starts it with ext-plugin.cmd: ["/path/to/go-runner", "run"].
Settings: config.yaml (every key is documented there, with its default).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: unknown command %q (see %s --help)", ErrUsage, args[0], c.CommandPath())
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if strings.HasPrefix(err.Error(), "unknown ") {
			return fmt.Errorf("%w: %w: %s takes %s (see %s --help)", ErrUsage, err, c.CommandPath(), flagList(c), c.CommandPath())
		}
		return fmt.Errorf("%w: %w (see %s --help)", ErrUsage, err, c.CommandPath())
	})
	root.Version = versions().Version
	root.SetVersionTemplate("go-runner {{.Version}}\n")
	root.AddCommand(
		newRunCmd(stdout, stderr),
		newWorkerCmd(stdout, stderr),
		newCheckCmd(stdout, stderr),
		newTryCmd(stdout, stderr),
		newNewCmd(stdout, stderr),
		newVersionCmd(stdout),
		newStatusCmd(stdout),
		newProbeCmd(stdout, stderr),
		newPushCmd(stdout, stderr),
		newHistoryCmd(stdout),
		newRollbackCmd(stdout),
	)
	return root
}

// exitCode reports err on stderr, unless it was reported already, and
// returns the exit code for it.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(stderr, "go-runner:", err)
	if errors.Is(err, ErrUsage) || errors.Is(err, ErrConfig) {
		return exitUsage
	}
	return exitFailure
}

// maxArgs returns a cobra argument check whose error is a usage error.
func maxArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > n {
			return fmt.Errorf("%w: %s takes at most %d argument(s), got %q (see %s --help)",
				ErrUsage, c.Name(), n, args, c.CommandPath())
		}
		return nil
	}
}

// configFlags are the flags every command that reads the configuration
// has.
type configFlags struct {
	config string
	sets   []string
}

func (f *configFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.config, "config", "", "config file (default ./config.yaml when present, else built-in defaults)")
	c.Flags().StringArrayVar(&f.sets, "set", nil, "set a config key, e.g. --set plugins.timeout=2s (repeatable; wins over the file and the environment)")
}

// input returns the configuration input of the flags; extra settings
// (from dedicated flags) win over --set.
func (f *configFlags) input(extra ...flagSetting) (configInput, error) {
	in := configInput{file: f.config}
	for _, s := range f.sets {
		fs, err := parseSet(s)
		if err != nil {
			return in, err
		}
		in.flags = append(in.flags, fs)
	}
	in.flags = append(in.flags, extra...)
	return in, nil
}

// flagList names the flags of c, for an unknown flag's message: "--config,
// -m/--mode, ...".
func flagList(c *cobra.Command) string {
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		n := "--" + f.Name
		if f.Shorthand != "" {
			n = "-" + f.Shorthand + "/" + n
		}
		names = append(names, n)
	})
	if len(names) == 0 {
		return "no flags"
	}
	return strings.Join(names, ", ")
}
