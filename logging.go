package main

import (
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// runLogger is the runner's logger, the level that config edits change,
// and the file it writes to, if any.
type runLogger struct {
	*zap.Logger
	level zap.AtomicLevel
	file  *logFile
}

// close flushes the logger and closes its file.
func (l *runLogger) close() {
	_ = l.Sync()
	if l.file != nil {
		_ = l.file.Close()
	}
}

// reopen reopens log.output when it is a file (SIGUSR1), and logs that it
// did in the new file. It reports whether there was a file to reopen.
func (l *runLogger) reopen(process string) bool {
	if l.file == nil {
		return false
	}
	if err := l.file.reopen(); err != nil {
		l.Error("SIGUSR1: log file not reopened", zap.String("process", process), zap.Error(err))
		return true
	}
	l.Info("SIGUSR1: log file reopened", zap.String("process", process), zap.String("path", l.file.path), zap.Int("pid", os.Getpid()))
	return true
}

// newLogger builds the logger of c. stdout and stderr are the streams that
// log.output "stdout" and "stderr" name.
//
// The console format is one line per entry, without colours, caller or
// multi-line stack traces (a panic's stack is a quoted field), so that it
// reads well in APISIX's error.log, which receives the runner's output.
// The JSON format is one object per line with ts, level, logger and msg.
func newLogger(c LogConfig, stdout, stderr io.Writer) (*runLogger, error) {
	lvl, err := zapcore.ParseLevel(c.Level)
	if err != nil {
		return nil, fmt.Errorf("log: log.level: %w", err)
	}
	rl := &runLogger{level: zap.NewAtomicLevelAt(lvl)}
	var out zapcore.WriteSyncer
	switch c.Output {
	case "stdout":
		out = zapcore.Lock(zapcore.AddSync(stdout))
	case "stderr":
		out = zapcore.Lock(zapcore.AddSync(stderr))
	default:
		f, err := openLogFile(c.Output)
		if err != nil {
			return nil, fmt.Errorf("log: log.output: %w: %w", ErrConfig, err)
		}
		rl.file = f
		out = f
	}
	enc := zapcore.EncoderConfig{
		TimeKey:          "ts",
		LevelKey:         "level",
		NameKey:          "logger",
		MessageKey:       "msg",
		LineEnding:       zapcore.DefaultLineEnding,
		EncodeDuration:   zapcore.StringDurationEncoder,
		EncodeName:       zapcore.FullNameEncoder,
		ConsoleSeparator: " ",
	}
	var encoder zapcore.Encoder
	if c.Format == "json" {
		enc.EncodeLevel = zapcore.LowercaseLevelEncoder
		enc.EncodeTime = zapcore.RFC3339NanoTimeEncoder
		encoder = zapcore.NewJSONEncoder(enc)
	} else {
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		enc.EncodeTime = zapcore.ISO8601TimeEncoder
		encoder = zapcore.NewConsoleEncoder(enc)
	}
	rl.Logger = zap.New(zapcore.NewCore(encoder, out, rl.level),
		zap.ErrorOutput(zapcore.Lock(zapcore.AddSync(stderr))))
	return rl, nil
}
