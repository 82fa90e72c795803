package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/go-runner/go-runner/supervisor"
)

type runFlags struct {
	configFlags
	scripts  string
	logLevel string
	mode     runMode
}

func (f *runFlags) add(c *cobra.Command) {
	f.configFlags.add(c)
	c.Flags().StringVar(&f.scripts, "scripts", "", "scripts directory (scripts.dir)")
	c.Flags().StringVar(&f.logLevel, "log-level", "", "log level: debug, info, warn or error (log.level)")
	c.Flags().VarP(&f.mode, "mode", "m", `defaults of the log keys, as the reference runner's -m (any case): dev (the built-in defaults),
prod (log.level warn, log.output `+modeLogFile+`), prof (prod, and CPU and heap profiles
`+profileDir+"/"+cpuProfileFile+" and "+profileDir+"/"+memProfileFile+` written at exit); explicit settings win`)
}

// input is the configuration input of the flags.
func (f *runFlags) input(cmd *cobra.Command) (configInput, error) {
	var extra []flagSetting
	if cmd.Flags().Changed("scripts") {
		extra = append(extra, flagSetting{key: "scripts.dir", value: f.scripts, from: "--scripts"})
	}
	if cmd.Flags().Changed("log-level") {
		extra = append(extra, flagSetting{key: "log.level", value: f.logLevel, from: "--log-level"})
	}
	in, err := f.configFlags.input(extra...)
	in.mode = f.mode
	return in, err
}

// runE is a serving command's RunE: run gets the configuration input and
// a context that ends on SIGTERM or SIGINT.
func (f *runFlags) runE(run func(context.Context, configInput, *cobra.Command) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		in, err := f.input(cmd)
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		return run(ctx, in, cmd)
	}
}

// args are the flags as given, for the worker's command line.
func (f *runFlags) args(cmd *cobra.Command) []string {
	var out []string
	if f.config != "" {
		out = append(out, "--config", f.config)
	}
	for _, s := range f.sets {
		out = append(out, "--set", s)
	}
	if cmd.Flags().Changed("scripts") {
		out = append(out, "--scripts", f.scripts)
	}
	if cmd.Flags().Changed("log-level") {
		out = append(out, "--log-level", f.logLevel)
	}
	if cmd.Flags().Changed("mode") {
		out = append(out, "--mode", string(f.mode))
	}
	return out
}

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run",
		Short: "Serve APISIX on its unix socket until SIGTERM or SIGINT",
		Long: `Serve APISIX's ext-plugin calls on the unix socket of socket.address
(APISIX_LISTEN_ADDRESS when APISIX starts the runner) with the plugins of
scripts.dir, until SIGTERM or SIGINT.

The process started is a supervisor: it owns the socket and runs the
plugins in a worker process (worker.supervised), which it replaces at once
when a script kills it; see worker.* in config.yaml.

Saving, adding, removing or renaming a script applies within
scripts.debounce (scripts.watch), and on SIGHUP; a script that fails to load
leaves its previous version serving. SIGUSR1 reopens the log file
(log.output), in the supervisor and its workers. Editing the config file
changes log.level at once; other settings apply on restart.

-m/--mode takes the reference runner's modes: prod logs at warn level to
logs/runner.log under the working directory, prof does too and writes the
worker's CPU and heap profiles to logs/profile.cpu and logs/profile.mem when
it stops on a signal. Settings given elsewhere win over the mode's.`,
		Args: maxArgs(0),
		RunE: f.runE(func(ctx context.Context, in configInput, cmd *cobra.Command) error {
			return runRunner(ctx, in, f.args(cmd), stdout, stderr)
		}),
	}
	f.add(c)
	return c
}

func newWorkerCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:    "worker",
		Short:  "The serving process of run (internal: run starts it)",
		Hidden: true,
		Args:   maxArgs(0),
		RunE: f.runE(func(ctx context.Context, in configInput, _ *cobra.Command) error {
			return workerExit(runWorker(ctx, in, stdout, stderr), stderr)
		}),
	}
	f.add(c)
	return c
}

// workerExit gives a worker's configuration error the exit code that tells
// its supervisor not to start another (Go's fatal errors exit with 2).
func workerExit(err error, stderr io.Writer) error {
	var ee *exitError
	if err == nil || !supervisor.Supervised() || errors.As(err, &ee) || !(errors.Is(err, ErrUsage) || errors.Is(err, ErrConfig)) {
		return err
	}
	fmt.Fprintln(stderr, "go-runner:", err)
	return &exitError{code: supervisor.ExitWorkerConfig, cause: err}
}
