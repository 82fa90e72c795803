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
register their plugins.

Exit status: 0 when every unit loads, 1 when one does not (each failure is
printed on standard output as file:line:col: message), 2 when the command
line or the configuration is invalid. For CI and pre-commit hooks.`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var extra []flagSetting
			if len(args) == 1 {
				extra = append(extra, flagSetting{key: "scripts.dir", value: args[0], from: "argument DIR"})
			}
			in, err := f.input(extra...)
			if err != nil {
				return err
			}
			return runCheck(in, stdout, stderr)
		},
	}
	f.add(c)
	return c
}

// runCheck loads the units and reports each failure on stdout, a summary
// on stderr.
func runCheck(in configInput, stdout, stderr io.Writer) error {
	cfg, log, err := loadForTool(in, stdout, stderr)
	if err != nil {
		return err
	}
	defer log.close()
	loaded, err := loadPlugins(cfg, log.Logger, nil, nil, nil)
	if err != nil {
		return err
	}
	for _, le := range loaded.errs {
		for _, line := range le.diagnostics(cfg.Scripts.Dir) {
			fmt.Fprintln(stdout, line)
		}
	}
	if len(loaded.errs) > 0 {
		fmt.Fprintf(stderr, "check: %s: %d unit(s) failed to load, %d loaded\n", cfg.Scripts.Dir, len(loaded.errs), len(loaded.units))
		return &exitError{code: exitFailure, cause: fmt.Errorf("check: %w: %d", ErrLoad, len(loaded.errs))}
	}
	names := strings.Join(loaded.reg.Names(), ", ")
	if names == "" {
		names = "none"
	}
	fmt.Fprintf(stderr, "check: %s: %d unit(s) loaded; plugins: %s\n", cfg.Scripts.Dir, len(loaded.units), names)
	return nil
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
