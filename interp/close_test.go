package interp

import (
	"errors"
	"net/http/httptest"
	"testing"
)

const waitSrc = `package scripts

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() { _ = plugin.RegisterPlugin(&Wait{}) }

type Wait struct{ plugin.DefaultPlugin }

func (*Wait) Name() string                             { return "wait" }
func (*Wait) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func (*Wait) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	if conf.(string) == "spin" {
		w.WriteHeader(599)
		for {
		}
	}
	body, _ := r.Body() // the test holds the call here
	r.Header().Set("X-Body", string(body))
}
`

// blockingRequest's Body waits for the test.
type blockingRequest struct {
	*fakeRequest
	entered, proceed chan struct{}
}

func (r *blockingRequest) Body() ([]byte, error) {
	close(r.entered)
	<-r.proceed
	return []byte("done"), nil
}

func TestCloseLetsCallsInFlightFinish(t *testing.T) {
	u := mustLoad(t, Config{}, "wait.go", map[string]string{"wait.go": waitSrc})
	s := u.Specs()[0]
	r := &blockingRequest{fakeRequest: newRequest(), entered: make(chan struct{}), proceed: make(chan struct{})}
	returned := make(chan interface{})
	go func() {
		defer func() { returned <- recover() }()
		s.RequestFilter("wait", httptest.NewRecorder(), r)
	}()
	<-r.entered
	epoch := u.Epoch()
	u.Close()
	if !u.Dead() {
		t.Fatal("closed unit not dead")
	}
	func() {
		defer func() {
			if err, _ := recover().(error); !errors.Is(err, ErrUnitDead) {
				t.Fatalf("new call on a closed unit: %v", err)
			}
		}()
		s.RequestFilter("wait", httptest.NewRecorder(), newRequest())
	}()
	if u.g.state != armed {
		t.Fatal("interpreter released with a call in flight")
	}

	close(r.proceed)
	if p := <-returned; p != nil {
		t.Fatalf("call in flight panicked: %v", p)
	}
	if got := r.header.Get("X-Body"); got != "done" || u.Epoch() != epoch {
		t.Fatalf("call in flight: X-Body %q, epoch %d -> %d", got, epoch, u.Epoch())
	}
	<-u.g.returned // released by the last call out
	if u.g.state != released {
		t.Fatalf("guard state %d after the last call", u.g.state)
	}
}

func TestInterruptAfterClose(t *testing.T) {
	u := mustLoad(t, Config{}, "wait.go", map[string]string{"wait.go": waitSrc})
	sw := &signalWriter{ResponseRecorder: httptest.NewRecorder(), started: make(chan struct{})}
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		u.Specs()[0].RequestFilter("spin", sw, newRequest())
	}()
	<-sw.started
	u.Close() // the runaway call keeps the interpreter
	u.Interrupt("runaway after close")
	<-returned
	if u.g.state != stopped {
		t.Fatalf("guard state %d", u.g.state)
	}
}
