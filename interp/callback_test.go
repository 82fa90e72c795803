package interp

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// callbackSrc's plugin "cb": on "loop" it starts a time.AfterFunc callback
// that never returns; on "tick" a callback that reschedules itself for
// ever, and a ticker. ParseConf of "errloop" returns an error whose
// Error() never returns.
const callbackSrc = `package scripts

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&CB{}); err != nil {
		panic(err)
	}
}

type CB struct{ plugin.DefaultPlugin }

type loopErr struct{}

func (loopErr) Error() string {
	for {
	}
}

var n int

func (*CB) Name() string { return "cb" }

func (*CB) ParseConf(in []byte) (interface{}, error) {
	if string(in) == "errloop" {
		return nil, loopErr{}
	}
	return string(in), nil
}

var tick func()

func (*CB) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	switch conf.(string) {
	case "loop":
		time.AfterFunc(0, func() {
			for {
				n++
			}
		})
	case "tick":
		time.NewTicker(time.Millisecond)
		tick = func() {
			fmt.Println("tick")
			time.AfterFunc(time.Millisecond, tick)
		}
		time.AfterFunc(0, tick)
	}
}
`

// TestCallbackRunawayStopsTheUnit: a time.AfterFunc callback looping past
// the unit's deadline stops the unit (its loop ends) and tells the
// reloader.
func TestCallbackRunawayStopsTheUnit(t *testing.T) {
	log, logs, seen := hookLogger("script unit interrupted")
	u := mustLoad(t, Config{Logger: log}, "cb.go", map[string]string{"cb.go": callbackSrc})
	u.timeout = 50 * time.Millisecond // the callbacks' deadline, short once loaded
	told := make(chan struct{}, 1)
	kick := func() { told <- struct{}{} }
	u.onStop.Store(&kick)
	u.Specs()[0].RequestFilter("loop", httptest.NewRecorder(), newRequest())
	<-seen
	<-told
	if !u.Dead() {
		t.Fatal("the unit serves after its callback ran away")
	}
	e := logs.FilterMessage("script unit interrupted").All()[0]
	if r, _ := e.ContextMap()["reason"].(string); !strings.Contains(r, "time.AfterFunc callback ran past its deadline") {
		t.Fatalf("reason %q", r)
	}
}

// TestCloseStopsTimers: closing a unit stops the timers and tickers its
// scripts started.
func TestCloseStopsTimers(t *testing.T) {
	log, logs, seen := hookLogger("script output")
	u := mustLoad(t, Config{Logger: log}, "cb.go", map[string]string{"cb.go": callbackSrc})
	u.Specs()[0].RequestFilter("tick", httptest.NewRecorder(), newRequest())
	<-seen // it ticks
	if u.timers.Len() == 0 {
		t.Fatal("no timer tracked")
	}
	u.Close()
	if n := u.timers.Len(); n != 0 {
		t.Fatalf("%d timers tracked after Close", n)
	}
	if logs.FilterMessage("script unit's timers stopped").Len() != 1 {
		t.Fatal("Close stopped no timer")
	}
}

// TestParseConfErrorFormattedInTheCall: the Error() of a ParseConf error
// runs inside the call, where an interrupt stops it.
func TestParseConfErrorFormattedInTheCall(t *testing.T) {
	u := mustLoad(t, Config{}, "cb.go", map[string]string{"cb.go": callbackSrc})
	stop := time.AfterFunc(50*time.Millisecond, func() { u.Interrupt("test deadline") })
	defer stop.Stop()
	_, err := u.Specs()[0].ParseConf([]byte("errloop"))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("ParseConf with a looping Error(): %v, want ErrInterrupted", err)
	}
}

// TestScriptContextRefused: a script type that is a context.Context is
// refused at load with its position; one with an Err method alone is not.
func TestScriptContextRefused(t *testing.T) {
	head := "package scripts\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n\nvar _ = time.Now\nvar _ context.Context\n\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		{"own Done", head + "type myCtx struct{}\n\nfunc (myCtx) Done() <-chan struct{} { return nil }\n", "ctx.go:13:14: type myCtx implements context.Context (method Done)"},
		{"embedded, own Err", head + "type myCtx struct{ context.Context }\n\nfunc (*myCtx) Err() error { return nil }\n", "ctx.go:13:15: type myCtx implements context.Context (method Err)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadOne(t, Config{}, "ctx.go", map[string]string{"ctx.go": tc.src})
			if !errors.Is(err, ErrScriptContext) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	ok := head + "type result struct{}\n\nfunc (result) Err() error { return nil }\n"
	if _, err := loadOne(t, Config{}, "ok.go", map[string]string{"ok.go": ok}); errors.Is(err, ErrScriptContext) {
		t.Fatalf("a type with Err() alone was refused: %v", err)
	}
}
