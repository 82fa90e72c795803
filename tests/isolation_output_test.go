package tests

import (
	"errors"
	"sync"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// Issue 11, item 6: bounded output.

// hogScript's plugin "hog" writes a body of 100 MiB on the conf "hog" and
// reports what Write returned.
const hogScript = `package scripts

import (
	"fmt"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&Hog{}); err != nil {
		panic(err)
	}
}

type Hog struct{ plugin.DefaultPlugin }

func (*Hog) Name() string                             { return "hog" }
func (*Hog) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

var big = make([]byte, 100<<20)

func (*Hog) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	_, err := w.Write(big)
	fmt.Println("hog: write returned:", err)
}
`

// TestBodyCapped: 4 concurrent calls each writing a 100 MiB body are
// answered with an error (the write fails in the script with a clear
// message), the runner stays up and another unit serves.
func TestBodyCapped(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"hog.go": hogScript, "ver.go": versionScript("ver", 1, "", "")})
	c := r.dial()
	hog := prepare(t, c, pc("hog", "hog"))
	ver := prepare(t, c, pc("ver", "x"))
	const callers = 4
	errs := make(chan error, callers)
	var wg sync.WaitGroup
	for i := 0; i < callers; i++ {
		conn := r.dial()
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out client.ReqResult
			err := conn.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: hog}, nil, &out)
			var rpc *client.RPCError
			if !errors.As(err, &rpc) {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a 100 MiB body was not answered with an error reply: %v", err)
	}
	r.awaitLog(callers, "hog: write returned: protocol: response body of 104857600 bytes: body over the limit (plugins.max_body_bytes) (8388608 bytes)")
	r.awaitLog(callers, "plugin body refused: the call is answered with an error", `"plugin":"hog"`)
	r.alive()
	if v := versionOf(t, call(t, c, ver, client.ReqCall{ID: 9}, nil)); v != 1 {
		t.Fatalf("ver answered version %d", v)
	}
	r.stop()
}
