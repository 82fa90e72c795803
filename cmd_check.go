package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

func newCheckCmd(stdout, stderr io.Writer) *cobra.Command {
	var f configFlags
	c := &cobra.Command{
		Use:   "check [DIR]",
		Short: "Load every script unit as run would; exit 1 and print file:line:col for each failure",
		Long: `Load every script unit of DIR (default: scripts.dir) exactly as run
would, with the same configuration (sandbox.allow, plugins.timeout), and
register their plugins. Each unit is first loaded in a throwaway process of
its own, so that a script whose init crashes the Go runtime (a stack
overflow, an unlock of an unlocked mutex) is reported as a unit that failed
instead of ending check.

Exit status: 0 when every unit loads, 1 when one does not (each failure is
printed on standard output as file:line:col: message), 2 when the command
line or the configuration is invalid. For CI and pre-commit hooks.`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := f.input(dirArg(args)...)
			if err != nil {
				return err
			}
			return runCheck(in, stdout, stderr)
		},
	}
	f.add(c)
	return c
}

// dirArg is the optional DIR argument of check and push: scripts.dir.
func dirArg(args []string) []flagSetting {
	if len(args) == 1 {
		return []flagSetting{{key: "scripts.dir", value: args[0], from: "argument DIR"}}
	}
	return nil
}

// runCheck loads the units and reports each failure on stdout, a summary
// on stderr.
func runCheck(in configInput, stdout, stderr io.Writer) error {
	cfg, log, err := loadForTool(in, stdout, stderr)
	if err != nil {
		return err
	}
	defer log.close()
	prober, err := newProber()
	if err != nil {
		return err
	}
	loaded, err := loadPlugins(cfg, log.Logger, nil, nil, prober.Prove, nil)
	if err != nil {
		return err
	}
	for _, le := range loaded.errs {
		for _, line := range le.diagnostics(cfg.Scripts.Dir) {
			fmt.Fprintln(stdout, line)
		}
	}
	units := make([]string, len(loaded.units))
	for i, u := range loaded.units {
		units[i] = u.Name()
	}
	summary := fmt.Sprintf("%d loaded: %s; plugins: %s", len(units), orNone(units), orNone(loaded.reg.Names()))
	if len(loaded.errs) > 0 {
		fmt.Fprintf(stderr, "check: %s: %d unit(s) failed to load, %s\n", cfg.Scripts.Dir, len(loaded.errs), summary)
		return &exitError{code: exitFailure, cause: fmt.Errorf("check: %w: %d", ErrLoad, len(loaded.errs))}
	}
	fmt.Fprintf(stderr, "check: %s: %d unit(s) loaded: %s; plugins: %s\n", cfg.Scripts.Dir, len(units), orNone(units), orNone(loaded.reg.Names()))
	return nil
}

// orNone lists names, or says there are none.
func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// loadForTool reads the configuration of check and try and makes their
// logger: logs (what scripts print while loading, too) go to stderr, since
// stdout is for the tool's own output.
func loadForTool(in configInput, stdout, stderr io.Writer) (*Config, *runLogger, error) {
	cfg, err := loadConfig(in)
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.checkScriptsDir(); err != nil {
		return nil, nil, err
	}
	lc := cfg.Log
	lc.Output = "stderr"
	log, err := newLogger(lc, stdout, stderr)
	if err != nil {
		return nil, nil, err
	}
	return cfg, log, nil
}
