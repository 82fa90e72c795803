package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/supervisor"
)

// supervisorGrace is how long workers get after SIGTERM before SIGKILL:
// past their own hard exit (workerShutdownGrace + shutdownSlack), and
// early enough in APISIX's one second for the supervisor to be gone.
const supervisorGrace = 850 * time.Millisecond

// runRunner is `go-runner run`: a supervisor and its worker
// (worker.supervised), or one process serving.
func runRunner(ctx context.Context, in configInput, workerArgs []string, stdout, stderr io.Writer) error {
	// Until the logger handles it, SIGUSR1 (reopen the log) must not end
	// the runner.
	signal.Ignore(syscall.SIGUSR1)
	cfg, err := loadConfig(in)
	if err != nil {
		return err
	}
	if err := cfg.serveFromEtcd(); err != nil {
		return err
	}
	if !cfg.Worker.Supervised {
		return runServe(ctx, in, cfg, nil, stdout, stderr)
	}
	return withLogger(cfg, stdout, stderr, true, supervisor.ExitCode, func(log *runLogger) error {
		return withFleet(ctx, cfg, in, log, func() error {
			return supervise(ctx, cfg, workerArgs, log, stdout, stderr)
		})
	})
}

// supervise listens on the socket and runs workers until ctx ends.
func supervise(ctx context.Context, cfg *Config, workerArgs []string, log *runLogger, stdout, stderr io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("supervisor: own executable: %w", err)
	}
	l, err := protocol.Listen(cfg.Socket.Address, os.FileMode(cfg.Socket.Mode))
	if err != nil {
		return err
	}
	var ml *net.TCPListener
	if m := listenMetrics(cfg, log); m != nil {
		ml = m.(*net.TCPListener)
	}
	out, closeOut := fileOf(stdout)
	defer closeOut()
	errOut, closeErr := fileOf(stderr)
	defer closeErr()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	// SIGUSR1: the supervisor reopens its log file and passes the signal
	// on to its workers, which write to the same file.
	reopenLogOn(ctx, log, "supervisor")
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Ignore(syscall.SIGUSR1)
	limit := memoryLimit(cfg)
	log.Info("go-runner supervisor started",
		zap.String("version", versions().Version),
		zap.Uint64("worker_memory_limit_mb", limit>>20),
		zap.Int("pid", os.Getpid()))
	return supervisor.Run(ctx, supervisor.Config{
		Exe:              exe,
		Args:             append([]string{"worker"}, workerArgs...),
		Env:              os.Environ(),
		Listener:         l,
		Metrics:          ml,
		Log:              log.Logger,
		Stdout:           out,
		Stderr:           errOut,
		MemoryLimit:      limit,
		MaxStuck:         cfg.Worker.MaxStuckCalls,
		Grace:            supervisorGrace,
		QuarantineAfter:  cfg.Worker.QuarantineAfter,
		QuarantineWindow: cfg.Worker.QuarantineWindow,
		Hup:              hup,
		Usr1:             usr1,
	})
}

// fileOf returns w as a file a child process can write to: w itself when
// it is one, else a pipe copied to w until the returned func is called.
func fileOf(w io.Writer) (*os.File, func()) {
	if f, ok := w.(*os.File); ok {
		return f, func() {}
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return os.Stderr, func() {}
	}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(w, r); close(done) }()
	return pw, func() { pw.Close(); <-done; r.Close() }
}

// memoryLimit is worker.memory_limit_mb in bytes; 0 there is a quarter of
// the machine's memory, or of the cgroup's limit when that is smaller.
func memoryLimit(cfg *Config) uint64 {
	if cfg.Worker.MemoryLimitMB > 0 {
		return uint64(cfg.Worker.MemoryLimitMB) << 20
	}
	total := memTotal()
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && (total == 0 || n < total) {
			total = n
		}
	}
	if total == 0 {
		return 0
	}
	return max(total/4, MinMemoryLimitMB<<20)
}

// memTotal is MemTotal of /proc/meminfo in bytes, 0 when unknown.
func memTotal() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				if kb, err := strconv.ParseUint(f[0], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}
