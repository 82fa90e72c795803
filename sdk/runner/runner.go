// Package runner serves compiled plugins: a binary that imports its plugin
// packages (which call plugin.RegisterPlugin in init) and calls Run is a
// complete APISIX plugin runner, as with the reference runner's SDK.
//
//	func main() {
//		runner.Run(runner.RunnerConfig{LogLevel: zapcore.WarnLevel})
//	}
//
// Run listens on APISIX_LISTEN_ADDRESS (default unix:/tmp/runner.sock),
// keeps confs for 1.2 x APISIX_CONF_EXPIRE_TIME and stops on SIGTERM or SIGINT.
// It reads the command line (flags.go): --help, --version and --log-level,
// and an optional "run" as in the reference runner's command line; any
// other argument exits with code 2 instead of serving.
package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

// ShutdownGrace is how long calls in flight get after SIGTERM; APISIX kills
// the runner one second after it.
const ShutdownGrace = 800 * time.Millisecond

// RunnerConfig configures Run.
type RunnerConfig struct {
	// LogLevel is the lowest level logged; the zero value is info.
	LogLevel zapcore.Level
	// LogOutput receives the logs; nil means standard output, which APISIX
	// copies into its error.log.
	LogOutput zapcore.WriteSyncer
	// PluginTimeout bounds each plugin call (its context's deadline);
	// zero means protocol.DefaultPluginTimeout.
	PluginTimeout time.Duration
}

// Run serves the compiled plugins until SIGTERM or SIGINT. A bad
// environment or socket is logged and ends the program with exit code 1.
// --help and --version print and exit 0; a bad command line exits 2.
func Run(cfg RunnerConfig) {
	cl := parseArgs(os.Args[1:], cfg.LogLevel, os.Stdout, os.Stderr)
	if cl.exit != nil {
		os.Exit(*cl.exit)
	}
	cfg.LogLevel = cl.logLevel
	if cfg.LogOutput == nil {
		cfg.LogOutput = zapcore.Lock(os.Stdout)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), cfg.LogOutput, cfg.LogLevel))
	pluginlog.SetLogger(log.Named("plugin"))
	if err := serve(log, cfg.PluginTimeout); err != nil {
		log.Error("runner failed", zap.Error(err))
		_ = log.Sync()
		os.Exit(1)
	}
	_ = log.Sync()
}

func serve(log *zap.Logger, pluginTimeout time.Duration) error {
	addr, ttl, err := protocol.FromEnv(protocol.DefaultAddress, protocol.DefaultConfTTL)
	if err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	// Signals are caught before the socket accepts: APISIX may stop the
	// runner as soon as it serves, and the default action would kill it
	// with its socket file left behind.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	reg := plugin.Compiled()
	// Compiled plugins are trusted like the runner: their bodies are
	// bounded by the frame limit only.
	srv := protocol.NewServer(protocol.Config{ConfTTL: ttl, PluginTimeout: pluginTimeout, MaxBodyBytes: protocol.MaxBodyLen, Logger: log}, reg)
	l, err := protocol.Listen(addr, protocol.DefaultSocketMode)
	if err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	log.Info("runner started", zap.String("version", Version()), zap.String("socket", addr), zap.Duration("conf_ttl", ttl),
		zap.Strings("plugins", reg.Names()), zap.Int("pid", os.Getpid()))
	if err := protocol.Run(ctx, srv, l, ShutdownGrace); err != nil {
		if !errors.Is(err, protocol.ErrShutdownForced) {
			return fmt.Errorf("runner: %w", err)
		}
		log.Warn("stopped with plugin calls still running", zap.Error(err))
	}
	log.Info("runner stopped")
	return nil
}

// Version is the version of the go-runner SDK linked into this binary, as
// the Go toolchain recorded it ("devel" in a build of this repository).
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	const module = "github.com/go-runner/go-runner"
	if bi.Main.Path == module {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == module {
			return d.Version
		}
	}
	return "unknown"
}
