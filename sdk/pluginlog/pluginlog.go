// Package pluginlog is the logging API for plugins: printf-style functions at
// four levels, written through the runner's zap logger.
//
// Scripts written for the reference runner import it as
// github.com/apache/apisix-go-plugin-runner/pkg/log. In a script, every line is
// tagged with the script's unit, and Fatalf fails the script (its load, or
// the call it runs in) instead of ending the runner.
package pluginlog

import (
	"fmt"
	"sync/atomic"

	"go.uber.org/zap"
)

// Logger writes plugin log lines to a zap logger.
type Logger struct {
	s *zap.SugaredLogger
	// fatal ends the program after logging (compiled plugins) or panics
	// (scripts: the runner turns the panic into a failed load or call).
	fatal func(msg string)
}

// New returns a Logger on l whose Fatalf panics after logging at error level.
// The bridge gives each script unit one of these.
func New(l *zap.Logger) *Logger {
	s := l.WithOptions(zap.AddCallerSkip(1)).Sugar()
	return &Logger{s: s, fatal: func(msg string) {
		s.Error(msg)
		panic(fmt.Errorf("pluginlog: fatal: %s", msg))
	}}
}

// Debugf logs at debug level.
func (l *Logger) Debugf(template string, args ...interface{}) { l.s.Debugf(template, args...) }

// Infof logs at info level.
func (l *Logger) Infof(template string, args ...interface{}) { l.s.Infof(template, args...) }

// Warnf logs at warn level.
func (l *Logger) Warnf(template string, args ...interface{}) { l.s.Warnf(template, args...) }

// Errorf logs at error level.
func (l *Logger) Errorf(template string, args ...interface{}) { l.s.Errorf(template, args...) }

// Fatalf logs and fails: see New and SetLogger.
func (l *Logger) Fatalf(template string, args ...interface{}) {
	l.fatal(fmt.Sprintf(template, args...))
}

var std atomic.Pointer[Logger]

func init() {
	SetLogger(zap.NewNop())
}

// SetLogger routes the package-level functions to l. runner.Run calls it;
// until then plugin logs are discarded. Fatalf logs at fatal level and exits,
// as in the reference runner.
func SetLogger(l *zap.Logger) {
	s := l.WithOptions(zap.AddCallerSkip(2)).Sugar()
	std.Store(&Logger{s: s, fatal: func(msg string) { s.Fatal(msg) }})
}

// Debugf logs at debug level.
func Debugf(template string, args ...interface{}) { std.Load().Debugf(template, args...) }

// Infof logs at info level.
func Infof(template string, args ...interface{}) { std.Load().Infof(template, args...) }

// Warnf logs at warn level.
func Warnf(template string, args ...interface{}) { std.Load().Warnf(template, args...) }

// Errorf logs at error level.
func Errorf(template string, args ...interface{}) { std.Load().Errorf(template, args...) }

// Fatalf logs at fatal level and ends the program.
func Fatalf(template string, args ...interface{}) { std.Load().Fatalf(template, args...) }
