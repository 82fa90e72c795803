package interp

import (
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestPanicPlaced: a call's panic names the expression that panicked (not
// the function's first statement, line 19) in Go's words.
func TestPanicPlaced(t *testing.T) {
	cases := []struct {
		name, stmt, pos, value string
	}{
		{"slice index", `s := []int{1, 2, 3}; i := 5; _ = s[i]`, "p.go:21:36", "runtime error: index out of range"},
		{"array index", `var a [3]int; i := 5; a[i] = 1`, "p.go:21:25", "runtime error: index out of range"},
		{"string index", `s := "abc"; i := 5; _ = s[i]`, "p.go:21:27", "runtime error: index out of range"},
		{"slice bounds", `s := []int{1, 2, 3}; i := 5; _ = s[1:i]`, "p.go:21:36", "runtime error: slice bounds out of range"},
		{"nil map", `var m map[string]int; m["a"] = 1`, "p.go:21:25", "assignment to entry in nil map"},
		{"nil pointer", `type T struct{ x int }; var p *T; _ = p.x`, "p.go:21:41", "runtime error: invalid memory address or nil pointer dereference"},
		{"type assertion", `var x interface{} = "s"; _ = x.(int)`, "p.go:21:32", "interface conversion: interface {} is string, not int"},
		{"divide", `a, b := 1, 0; _ = a / b`, "p.go:21:21", "runtime error: integer divide by zero"},
		{"panic with its text", `if len(r.Path()) >= 0 { panic("b") }; panic("a")`, "p.go:21:27", "b"},
		{"two of a kind: the function", `s := []int{1}; i := 5; _ = s[0]; _ = s[i]`, "p.go:19:2", "runtime error: index out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := `package scripts

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() { plugin.RegisterPlugin(&P{}) }

type P struct{ plugin.DefaultPlugin }

func (*P) Name() string                             { return "p" }
func (*P) ParseConf(in []byte) (interface{}, error) { return nil, nil }

func (*P) RequestFilter(_ interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	// line 18
	w.Header().Set("a", "b")
	if r != nil {
		` + c.stmt + `
	}
}
`
			u := mustLoad(t, Config{}, "p.go", map[string]string{"p.go": src})
			var pe *PanicError
			func() {
				defer func() {
					if err, ok := recover().(error); !ok || !errors.As(err, &pe) {
						t.Fatalf("recovered %v, want a PanicError", err)
					}
				}()
				u.Specs()[0].RequestFilter(nil, httptest.NewRecorder(), newRequest())
			}()
			if pe.Pos != c.pos || pe.Value != c.value {
				t.Fatalf("panic at %q: %q, want %q: %q", pe.Pos, pe.Value, c.pos, c.value)
			}
		})
	}
}

// TestParseConfPanicPlaced: a ParseConf panic, logged as the conf's
// rejection, names its position in the message.
func TestParseConfPanicPlaced(t *testing.T) {
	src := strings.Replace(echoSrc("pc"), "return string(in), nil", "var m map[string]int\n\tm[string(in)] = 1\n\treturn string(in), nil", 1)
	u := mustLoad(t, Config{}, "pc.go", map[string]string{"pc.go": src})
	_, err := u.Specs()[0].ParseConf([]byte("x"))
	want := "assignment to entry in nil map (at pc.go:" + strconv.Itoa(lineOf(src, "m[string(in)]")) + ":2)"
	if err == nil || !strings.HasSuffix(err.Error(), want) || !errors.Is(err, ErrPanic) {
		t.Fatalf("error %v, want ...%s", err, want)
	}
}

// lineOf is the line of src where mark starts.
func lineOf(src, mark string) int {
	return strings.Count(src[:strings.Index(src, mark)], "\n") + 1
}
