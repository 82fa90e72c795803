package main

import (
	"fmt"
	"log"
	"os"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/runner"
)

func main() {
	cfg := runner.RunnerConfig{}
	fromEnv("TESTRUNNER_LOG_LEVEL", zapcore.ParseLevel, &cfg.LogLevel)
	fromEnv("TESTRUNNER_PLUGIN_TIMEOUT", time.ParseDuration, &cfg.PluginTimeout)
	runner.Run(cfg)
}

// fromEnv sets *dst to the variable name parsed, when it is set; a value
// parse refuses ends the program with exit code 2.
func fromEnv[T any](name string, parse func(string) (T, error), dst *T) {
	v := os.Getenv(name)
	if v == "" {
		return
	}
	x, err := parse(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testrunner: %s: %s\n", name, err)
		os.Exit(2)
	}
	*dst = x
}

// register registers the plugins of this binary, failing loudly.
func register(ps ...plugin.Base) {
	for _, p := range ps {
		if err := plugin.RegisterPlugin(p); err != nil {
			log.Fatalf("testrunner: register %s: %s", p.Name(), err)
		}
	}
}
