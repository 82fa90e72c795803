package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// panicUnit is a unit whose plugin "p-<name>" runs two statements, then
// stmt on line panicLine.
func panicUnit(name, stmt string) string {
	return scriptUnit("p-"+name, []string{"net/http"}, `type T struct{ n int }

func (*P) RequestFilter(_ interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	s, m, p := []int{1, 2, 3}, map[string]int(nil), (*T)(nil)
	i := len(s) + 2
	_, _, _, _ = s, i, m, p
	`+stmt+`
}

func digit(n int) string { return string(rune('0' + n)) }
`)
}

// panicLine is the line of stmt in panicUnit.
var panicLine = lineOf(panicUnit("x", "STMT"), "STMT")

// TestScriptPanicPlaced: a script's panic is logged once at error level
// with the panicking expression's file:line:col and Go's wording; the stack
// only at debug; and the output is nothing but JSON log lines.
func TestScriptPanicPlaced(t *testing.T) {
	cases := []struct {
		name, stmt string
		col        int
		words      string
	}{
		{"index", `w.Header().Set("X-N", digit(s[i]))`, 30, "runtime error: index out of range"},
		{"nilmap", `m["k"] = 1`, 2, "assignment to entry in nil map"},
		{"nilptr", `w.Header().Set("X-N", digit(p.n))`, 30, "runtime error: invalid memory address or nil pointer dereference"},
		{"explicit", `if i > 0 { panic("no way") }`, 13, "no way"},
	}
	dir := shortDir(t)
	units := map[string]string{}
	for _, c := range cases {
		units["p"+c.name+".go"] = panicUnit(c.name, c.stmt)
	}
	writeScripts(t, dir, units)
	p := startJSONRunner(t, dir, "debug")
	c := p.dial()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := prepare(t, c, pc("p-"+tc.name, nil))
			wantRPCError(t, c.ReqCall(&client.ReqCall{ID: 1, ConfToken: tok, Path: "/"}, nil, &client.ReqResult{}), "p-"+tc.name)
			at := fmt.Sprintf(`"at":"p%s.go:%d:%d"`, tc.name, panicLine, tc.col)
			if !p.out.waitCount(logTimeout, 1, `"plugin panicked"`, `"p-`+tc.name+`"`) {
				t.Fatal("panic not logged")
			}
			lines := p.out.atLevel("error")
			var mine []string
			for _, l := range lines {
				if strings.Contains(l, `"plugin panicked"`) && strings.Contains(l, `"p-`+tc.name+`"`) {
					mine = append(mine, l)
				}
			}
			if len(mine) != 1 {
				t.Fatalf("%d error lines for one panic: %q", len(mine), mine)
			}
			if !strings.Contains(mine[0], at) || !strings.Contains(mine[0], tc.words) {
				t.Fatalf("error line %s\nwant %s and %q", mine[0], at, tc.words)
			}
			if strings.Contains(mine[0], "goroutine ") || len(mine[0]) > 1024 {
				t.Fatalf("stack at error level: %s", mine[0])
			}
			if !p.out.waitCount(logTimeout, 1, `"plugin panic stack"`, `"p-`+tc.name+`"`) {
				t.Fatal("no stack at debug")
			}
		})
	}
	wantJSONOnly(t, p)
}
