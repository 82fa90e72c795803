package main

import (
	"fmt"
	"log"
	"os"

	"go.uber.org/zap/zapcore"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/runner"
)

func main() {
	cfg := runner.RunnerConfig{}
	if v := os.Getenv("TESTRUNNER_LOG_LEVEL"); v != "" {
		lvl, err := zapcore.ParseLevel(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testrunner: TESTRUNNER_LOG_LEVEL: %s\n", err)
			os.Exit(2)
		}
		cfg.LogLevel = lvl
	}
	runner.Run(cfg)
}

// register registers the plugins of this binary, failing loudly.
func register(ps ...plugin.Base) {
	for _, p := range ps {
		if err := plugin.RegisterPlugin(p); err != nil {
			log.Fatalf("testrunner: register %s: %s", p.Name(), err)
		}
	}
}
