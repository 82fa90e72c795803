package interp

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestConcurrentCalls calls one unit's filter from several goroutines, as
// the server does (run it with -race).
func TestConcurrentCalls(t *testing.T) {
	u := mustLoad(t, Config{}, "echo.go", map[string]string{"echo.go": echoSrc("echo")})
	s := u.Specs()[0]
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				want := fmt.Sprintf("%d-%d", g, i)
				conf, err := s.ParseConf([]byte(want))
				if err != nil {
					errs <- err
					return
				}
				r := newRequest()
				s.RequestFilter(conf, httptest.NewRecorder(), r)
				if got := r.header.Get("X-echo"); got != want {
					errs <- fmt.Errorf("X-echo %q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
