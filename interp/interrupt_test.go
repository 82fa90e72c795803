package interp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const runawaySrc = `package scripts

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

var (
	spins int
	never = make(chan int)
)

func init() { _ = plugin.RegisterPlugin(&Runaway{}) }

type Runaway struct{ plugin.DefaultPlugin }

func (*Runaway) Name() string { return "runaway" }

func (*Runaway) ParseConf(in []byte) (interface{}, error) {
	if string(in) == "parse-spin" {
		pluginlog.Infof("spinning")
		for {
			spins++
		}
	}
	return string(in), nil
}

func (*Runaway) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	switch conf.(string) {
	case "spin":
		w.WriteHeader(599) // tells the test the call is running
		for {
			spins++
		}
	case "chan":
		w.WriteHeader(599)
		<-never
	case "panic":
		panic("boom")
	}
	w.Header().Set("X-Ran", "yes")
}
`

// signalWriter closes started on WriteHeader.
type signalWriter struct {
	*httptest.ResponseRecorder
	once    sync.Once
	started chan struct{}
}

func (w *signalWriter) WriteHeader(int) { w.once.Do(func() { close(w.started) }) }

func TestInterruptStopsCallsInFlight(t *testing.T) {
	for _, mode := range []string{"spin", "chan"} {
		t.Run(mode, func(t *testing.T) {
			u := mustLoad(t, Config{}, "runaway.go", map[string]string{"runaway.go": runawaySrc})
			s := u.Specs()[0]
			w := httptest.NewRecorder()
			s.RequestFilter("ok", w, newRequest())
			if w.Header().Get("X-Ran") != "yes" {
				t.Fatal("filter did not run before the interrupt")
			}

			sw := &signalWriter{ResponseRecorder: httptest.NewRecorder(), started: make(chan struct{})}
			returned := make(chan interface{})
			go func() {
				defer func() { returned <- recover() }()
				s.RequestFilter(mode, sw, newRequest())
			}()
			<-sw.started
			epoch := u.Epoch()
			u.Interrupt("test: " + mode)
			if p := <-returned; p != nil {
				t.Fatalf("interrupted call panicked: %v", p)
			}
			if u.Epoch() == epoch || !u.Dead() {
				t.Fatalf("epoch %d -> %d, dead %v", epoch, u.Epoch(), u.Dead())
			}
			if sw.Header().Get("X-Ran") != "" {
				t.Fatal("interrupted call went on after its loop")
			}

			// The dead unit fails fast.
			func() {
				defer func() {
					err, _ := recover().(error)
					if !errors.Is(err, ErrUnitDead) || !strings.Contains(err.Error(), `unit "runaway.go": plugin "runaway"`) {
						t.Fatalf("call on a dead unit: %v", err)
					}
				}()
				s.RequestFilter("ok", httptest.NewRecorder(), newRequest())
			}()
			if _, err := s.ParseConf([]byte("ok")); !errors.Is(err, ErrUnitDead) {
				t.Fatalf("ParseConf on a dead unit: %v", err)
			}
			u.Interrupt("again") // idempotent
		})
	}
}

func TestInterruptParseConf(t *testing.T) {
	spinning := make(chan struct{})
	var once sync.Once
	core, _ := observer.New(zapcore.DebugLevel)
	log := zap.New(core, zap.Hooks(func(e zapcore.Entry) error {
		if e.Message == "spinning" {
			once.Do(func() { close(spinning) })
		}
		return nil
	}))
	u := mustLoad(t, Config{Logger: log}, "runaway.go", map[string]string{"runaway.go": runawaySrc})
	errc := make(chan error)
	go func() {
		_, err := u.Specs()[0].ParseConf([]byte("parse-spin"))
		errc <- err
	}()
	<-spinning
	u.Interrupt("test")
	if err := <-errc; !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted ParseConf: %v", err)
	}
}

func TestScriptPanicBecomesError(t *testing.T) {
	u := mustLoad(t, Config{}, "runaway.go", map[string]string{"runaway.go": runawaySrc})
	defer func() {
		err, _ := recover().(error)
		want := `interp: unit "runaway.go": plugin "runaway": plugin panicked: boom`
		if !errors.Is(err, ErrPanic) || err.Error() != want {
			t.Fatalf("panic %v, want %s", err, want)
		}
		if u.Dead() {
			t.Fatal("a panic killed the unit")
		}
		var pe *PanicError
		if !errors.As(err, &pe) || !strings.HasPrefix(pe.Pos, "runaway.go:") || len(pe.Frames) == 0 {
			t.Fatalf("panic %v: no script position (%+v)", err, pe)
		}
		t.Logf("panicked at %s; frames %q", pe.Pos, pe.Frames)
	}()
	u.Specs()[0].RequestFilter("panic", httptest.NewRecorder(), newRequest())
}

var _ http.ResponseWriter = (*signalWriter)(nil)
