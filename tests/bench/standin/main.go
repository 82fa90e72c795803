// Command standin is a go-runner for the benchmark while the main binary
// cannot serve it: by default the compiled plugins (sdk/runner.Run at warn
// level) say and response-rewrite (plugins.go, with the behaviour of the
// reference runner's examples) and the bench scripts compiled as Go
// (../scripts); with BENCH_SCRIPTS=DIR, the script units of DIR loaded by
// package interp instead, and no compiled plugin, served by package
// protocol as `go-runner run --scripts DIR` serves them.
//
// With BENCH_CPUPROFILE=file it writes a CPU profile of its whole life,
// finished when it stops on SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/go-runner/go-runner/interp"
	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/sdk/pluginlog"
	"github.com/go-runner/go-runner/sdk/runner"

	_ "github.com/go-runner/go-runner/tests/bench/scripts"
)

func main() {
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	dir := os.Getenv("BENCH_SCRIPTS")
	if dir == "" {
		runner.Run(runner.RunnerConfig{LogLevel: zapcore.WarnLevel})
		return
	}
	if err := serveScripts(dir); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "standin: %s\n", err)
	os.Exit(1)
}

// serveScripts serves the script units of dir until SIGTERM or SIGINT.
func serveScripts(dir string) error {
	enc := zap.NewProductionEncoderConfig()
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(os.Stderr), zapcore.WarnLevel))
	pluginlog.SetLogger(log.Named("plugin"))
	units, errs := interp.LoadDir(interp.Config{Dir: dir, Logger: log})
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	reg, errs := interp.Build(nil, units)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	addr, ttl, err := protocol.FromEnv(protocol.DefaultAddress, protocol.DefaultConfTTL)
	if err != nil {
		return err
	}
	// Signals are caught before the socket accepts (see sdk/runner).
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	srv := protocol.NewServer(protocol.Config{ConfTTL: ttl, Logger: log}, reg)
	l, err := protocol.Listen(addr, protocol.DefaultSocketMode)
	if err != nil {
		return err
	}
	return protocol.Run(ctx, srv, l, runner.ShutdownGrace)
}
