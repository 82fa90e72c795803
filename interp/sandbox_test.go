package interp

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const sandboxSrc = `package scripts

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() { _ = plugin.RegisterPlugin(&Sandbox{}) }

type Sandbox struct{ plugin.DefaultPlugin }

func (*Sandbox) Name() string { return "sandbox" }

func (*Sandbox) ParseConf(in []byte) (interface{}, error) {
	if string(in) == "clobber" {
		io.EOF = nil
	}
	return string(in), nil
}

func (*Sandbox) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	switch conf.(string) {
	case "print":
		fmt.Println("hello from", r.Method())
	case "afterfunc":
		time.AfterFunc(time.Millisecond, func() { panic("late boom") })
	case "ctxafterfunc":
		ctx, cancel := context.WithCancel(context.Background())
		context.AfterFunc(ctx, func() { panic("ctx boom") })
		cancel()
	case "net":
		_, n, _ := net.ParseCIDR("10.0.0.0/8")
		w.Header().Set("X-In", fmt.Sprint(n.Contains(net.ParseIP("10.1.2.3"))))
	}
}
`

// hookLogger records logs and closes seen on the first entry whose message
// contains want.
func hookLogger(want string) (log *zap.Logger, logs *observer.ObservedLogs, seen chan struct{}) {
	core, logs := observer.New(zapcore.DebugLevel)
	seen = make(chan struct{})
	var once sync.Once
	return zap.New(core, zap.Hooks(func(e zapcore.Entry) error {
		if strings.Contains(e.Message, want) {
			once.Do(func() { close(seen) })
		}
		return nil
	})), logs, seen
}

func TestSandboxVariablesAreReadOnly(t *testing.T) {
	u := mustLoad(t, Config{}, "sandbox.go", map[string]string{"sandbox.go": sandboxSrc})
	eof := io.EOF
	_, err := u.Specs()[0].ParseConf([]byte("clobber"))
	if !errors.Is(err, ErrPanic) {
		t.Fatalf("assigning io.EOF: %v", err)
	}
	if io.EOF != eof || io.EOF == nil {
		t.Fatal("a script replaced io.EOF for the runner")
	}
}

func TestSandboxNetIsAddressesOnly(t *testing.T) {
	u := mustLoad(t, Config{}, "sandbox.go", map[string]string{"sandbox.go": sandboxSrc})
	w := httptest.NewRecorder()
	u.Specs()[0].RequestFilter("net", w, newRequest())
	if w.Header().Get("X-In") != "true" {
		t.Fatalf("net.ParseCIDR: %v", w.Header())
	}
	src := strings.Replace(sandboxSrc, `case "net":`, "case \"dial\":\n\t\t_, _ = net.Dial(\"tcp\", \"127.0.0.1:1\")\n\tcase \"net\":", 1)
	if _, err := loadOne(t, Config{}, "dial.go", map[string]string{"dial.go": src}); !errors.Is(err, ErrCompile) ||
		!strings.Contains(err.Error(), "dial.go:39:10: net.Dial is not available to plugins") {
		t.Fatalf("net.Dial: %v", err)
	}
}

func TestSandboxAfterFuncPanicIsLogged(t *testing.T) {
	for conf, msg := range map[string]string{
		"afterfunc":    "time.AfterFunc callback panicked: late boom",
		"ctxafterfunc": "context.AfterFunc callback panicked: ctx boom",
	} {
		t.Run(conf, func(t *testing.T) {
			log, _, seen := hookLogger(msg)
			u := mustLoad(t, Config{Logger: log}, "sandbox.go", map[string]string{"sandbox.go": sandboxSrc})
			u.Specs()[0].RequestFilter(conf, httptest.NewRecorder(), newRequest())
			<-seen // the runner is still here to log it
		})
	}
}

func TestScriptOutputIsLogged(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	u := mustLoad(t, Config{Logger: zap.New(core)}, "sandbox.go", map[string]string{"sandbox.go": sandboxSrc})
	r := newRequest()
	r.method = "POST"
	u.Specs()[0].RequestFilter("print", httptest.NewRecorder(), r) // output is written during the call
	entries := logs.FilterMessage("script output").All()
	if len(entries) != 1 || entries[0].ContextMap()["unit"] != "sandbox.go" || entries[0].ContextMap()["plugin"] != "sandbox" || entries[0].LoggerName != "script" ||
		entries[0].ContextMap()["line"] != "hello from POST" {
		t.Fatalf("entries %+v", entries)
	}
}
