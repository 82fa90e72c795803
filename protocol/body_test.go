package protocol

import (
	"errors"
	"net/http"
	"testing"

	A6Err "github.com/api7/ext-plugin-proto/go/A6/Err"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// TestBodyCap: a plugin buffering more than MaxBodyBytes, in one write or
// several, through the ResponseWriter, Response.Write or SetBody, has the
// write refused with ErrBodyTooLarge and its call answered with an error;
// a body of exactly the limit is served.
func TestBodyCap(t *testing.T) {
	const limit = 1000
	writeErrs := make(chan error, 16)
	write := func(n, times int) func(any, http.ResponseWriter, pluginhttp.Request) {
		return func(_ any, w http.ResponseWriter, _ pluginhttp.Request) {
			for i := 0; i < times; i++ {
				if _, err := w.Write(make([]byte, n)); err != nil {
					writeErrs <- err
					return
				}
			}
		}
	}
	reg := registry(t,
		funcPlugin{name: "exact", req: write(limit, 1)},
		funcPlugin{name: "big", req: write(limit+1, 1)},
		funcPlugin{name: "drip", req: write(100, 11)},
		funcPlugin{name: "setbody", req: func(_ any, _ http.ResponseWriter, r pluginhttp.Request) { r.SetBody(make([]byte, limit+1)) }},
		funcPlugin{name: "resp", resp: func(_ any, w pluginhttp.Response) {
			if _, err := w.Write(make([]byte, limit+1)); err != nil {
				writeErrs <- err
			}
		}},
	)
	_, sock := testServer(t, Config{MaxBodyBytes: limit}, reg)
	p := dial(t, sock)

	tok := p.prepare("route#exact#x#1", kv{name: "exact", value: "{}"})
	typ, body := p.roundTrip(TypeHTTPReqCall, reqMsg{token: tok, path: "/"}.bytes())
	if typ != TypeHTTPReqCall || len(stopOf(t, body).BodyBytes()) != limit {
		t.Fatalf("a body of exactly the limit: %s", TypeName(typ))
	}
	for _, plug := range []string{"big", "drip", "setbody", "resp"} {
		tok := p.prepare("route#"+plug+"#x#1", kv{name: plug, value: "{}"})
		msg := reqMsg{token: tok, path: "/"}.bytes()
		typ := byte(TypeHTTPReqCall)
		if plug == "resp" {
			typ, msg = TypeHTTPRespCall, respMsg(1, tok, 200, nil)
		}
		got, body := p.roundTrip(typ, msg)
		if got != TypeError || errCode(body) != A6Err.CodeSERVICE_UNAVAILABLE {
			t.Fatalf("%s: got %s code %v, want an error reply", plug, TypeName(got), errCode(body))
		}
		if plug == "setbody" {
			continue // SetBody has no error to return
		}
		if err := <-writeErrs; !errors.Is(err, ErrBodyTooLarge) {
			t.Fatalf("%s: the write returned %v, want ErrBodyTooLarge", plug, err)
		}
	}
}
