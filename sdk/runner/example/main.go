package main

import (
	"go.uber.org/zap/zapcore"

	"github.com/go-runner/go-runner/sdk/runner"
)

// The plugins of this package register themselves in init (say.go,
// rewrite.go); a runner built from other packages imports them for that
// side effect, e.g. `import _ "example.com/myplugins"`.
func main() {
	// Warn level: nothing is logged per request, failures still are. The
	// logs go to standard output, which APISIX copies into its error.log.
	runner.Run(runner.RunnerConfig{LogLevel: zapcore.WarnLevel})
}
