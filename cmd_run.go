package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/protocol/metrics"
	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

// shutdownGrace is how long calls in flight get after SIGTERM: APISIX
// kills the runner one second after it.
const shutdownGrace = 800 * time.Millisecond

// shutdownSlack is how long after the grace the runner waits for the
// shutdown to finish before it exits regardless.
const shutdownSlack = 100 * time.Millisecond

type runFlags struct {
	configFlags
	scripts  string
	logLevel string
}

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run",
		Short: "Serve APISIX on its unix socket until SIGTERM or SIGINT",
		Long: `Serve APISIX's ext-plugin calls on the unix socket of socket.address
(APISIX_LISTEN_ADDRESS when APISIX starts the runner) with the plugins of
scripts.dir, until SIGTERM or SIGINT.

Saving, adding, removing or renaming a script applies within
scripts.debounce (scripts.watch), and on SIGHUP; a script that fails to load
leaves its previous version serving. Editing the config file changes
log.level at once; other settings apply on restart.`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var extra []flagSetting
			if cmd.Flags().Changed("scripts") {
				extra = append(extra, flagSetting{key: "scripts.dir", value: f.scripts, from: "--scripts"})
			}
			if cmd.Flags().Changed("log-level") {
				extra = append(extra, flagSetting{key: "log.level", value: f.logLevel, from: "--log-level"})
			}
			in, err := f.input(extra...)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return runServe(ctx, in, stdout, stderr)
		},
	}
	f.add(c)
	c.Flags().StringVar(&f.scripts, "scripts", "", "scripts directory (scripts.dir)")
	c.Flags().StringVar(&f.logLevel, "log-level", "", "log level: debug, info, warn or error (log.level)")
	return c
}

// runServe runs the runner until ctx ends. Errors before the logger exists
// are returned for main to print; later ones are logged once and returned
// as an exitError.
func runServe(ctx context.Context, in configInput, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(in)
	if err != nil {
		return err
	}
	if err := cfg.checkScriptsDir(); err != nil {
		return err
	}
	log, err := newLogger(cfg.Log, stdout, stderr)
	if err != nil {
		return err
	}
	defer log.close()
	if err := serve(ctx, in, cfg, log); err != nil {
		log.Error("go-runner stopped on an error", zap.Error(err))
		return &exitError{code: exitFailure, cause: err}
	}
	log.Info("go-runner stopped")
	return nil
}

func serve(ctx context.Context, in configInput, cfg *Config, log *runLogger) error {
	pluginlog.SetLogger(log.Named("plugin"))

	// obs and um stay nil interfaces without metrics.
	var obs protocol.Observer
	var um unitMetrics
	if cfg.Metrics.Address != "" {
		met := metrics.New()
		obs, um = met, met
		ml, err := metrics.Listen(cfg.Metrics.Address)
		if err != nil {
			return err
		}
		log.Info("metrics endpoint listening", zap.String("url", "http://"+ml.Addr().String()+metrics.Path))
		go func() {
			if err := metrics.Serve(ctx, ml, met); err != nil {
				log.Error("metrics endpoint stopped", zap.Error(err))
			}
		}()
	}

	// SIGHUP rescans the scripts (and would otherwise end the process).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	// The reloader publishes each new registry to the server, which
	// re-parses the prepared confs, and closes the replaced units once no
	// call can still enter them.
	var srv *protocol.Server
	publish := func(reg *plugin.Registry, retire func()) {
		srv.Rebind(reg)
		srv.Retire(retire)
	}
	loaded, err := loadPlugins(cfg, log.Logger, um, publish)
	if err != nil {
		return err
	}
	for _, le := range loaded.errs {
		log.Error("script unit failed to load", zap.String("unit", le.unit), zap.String("error", le.Error()))
	}
	if len(loaded.errs) > 0 && cfg.Scripts.FailOnLoadError {
		return fmt.Errorf("%w: %d unit(s), and scripts.fail_on_load_error is true", ErrLoad, len(loaded.errs))
	}

	srv = protocol.NewServer(protocol.Config{
		ConfTTL:       cfg.Conf.TTL(),
		PluginTimeout: cfg.Plugins.Timeout,
		SkipUnknown:   cfg.skipUnknown(),
		MaxBodyBytes:  cfg.Plugins.MaxBodyBytes,
		Logger:        log.Logger,
		Observer:      callObserver{Observer: orNop(obs), reloader: loaded.reloader},
	}, loaded.reg)
	l, err := protocol.Listen(cfg.Socket.Address, os.FileMode(cfg.Socket.Mode))
	if err != nil {
		return err
	}
	configFile := cfg.File
	if configFile == "" {
		configFile = "none (built-in defaults)"
	}
	log.Info("go-runner started",
		zap.String("version", versions().Version),
		zap.String("socket", cfg.Socket.Address),
		zap.Duration("conf_ttl", cfg.Conf.TTL()),
		zap.String("config", configFile),
		zap.String("scripts", cfg.Scripts.Dir),
		zap.Strings("plugins", loaded.reg.Names()),
		zap.Int("units_failed", len(loaded.errs)),
		zap.Int("pid", os.Getpid()))
	if err := watchConfig(ctx, in, cfg, log.level, log.Logger); err != nil {
		log.Warn("config file edits will not apply while the runner runs", zap.Error(err))
	}
	go loaded.reloader.Run(ctx)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Info("SIGHUP: reloading the scripts")
				loaded.reloader.Reload()
			}
		}
	}()
	ran := make(chan error, 1)
	go func() { ran <- protocol.Run(ctx, srv, l, shutdownGrace) }()
	select {
	case err = <-ran:
	case <-ctx.Done():
		// A plugin blocked in compiled code (time.Sleep, a stuck read)
		// cannot be interrupted and keeps its connection's goroutine, so
		// Run may not return; APISIX kills the runner 1 s after SIGTERM.
		// The listener is closed (and the socket file removed) at once by
		// the shutdown; exit when the grace is over.
		hard := time.NewTimer(shutdownGrace + shutdownSlack)
		defer hard.Stop()
		select {
		case err = <-ran:
		case <-hard.C:
			log.Warn("exiting with plugin calls still running: they ignored the shutdown", zap.Duration("grace", shutdownGrace))
			return nil
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("calls still running after the shutdown grace were cut off", zap.Duration("grace", shutdownGrace))
		return nil
	}
	return err
}
