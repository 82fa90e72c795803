package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// scriptUnit is a unit whose type P registers as plugin name, with the
// imports (besides the SDK's plugin and pluginhttp) and decls, which define
// P's RequestFilter.
func scriptUnit(name string, imports []string, decls string) string {
	var b strings.Builder
	b.WriteString("package scripts\n\nimport (\n")
	for _, p := range imports {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString("\n\t\"github.com/go-runner/go-runner/sdk/plugin\"\n\t\"github.com/go-runner/go-runner/sdk/pluginhttp\"\n)\n\n")
	b.WriteString("func init() { plugin.RegisterPlugin(&P{}) }\n\ntype P struct{ plugin.DefaultPlugin }\n\n")
	fmt.Fprintf(&b, "func (*P) Name() string { return %q }\n\nfunc (*P) ParseConf(in []byte) (interface{}, error) { return nil, nil }\n\n", name)
	b.WriteString(decls)
	return b.String()
}

// lineOf is the line of src where mark starts.
func lineOf(src, mark string) int {
	return strings.Count(src[:strings.Index(src, mark)], "\n") + 1
}

// modernUnit is a unit whose plugin "m-<name>" answers with out()'s
// result; body is out's body, at modernBodyLine.
func modernUnit(name, body string) string {
	return scriptUnit("m-"+name, []string{"cmp", "fmt", "maps", "net/http", "slices", "strconv", "strings", "sync", "sync/atomic", "time"}, `
func (*P) RequestFilter(_ interface{}, w http.ResponseWriter, _ pluginhttp.Request) { w.Write([]byte(out())) }

var _, _, _ = strconv.Itoa, strings.Cut, time.Now

func out() string {
`+body+`
}
`)
}

// modernBodyLine is the line of out's first statement in modernUnit.
var modernBodyLine = lineOf(modernUnit("x", "BODY"), "BODY")

// modernCases: each Go feature newer than the interpreter either works
// (want: the answer) or is refused at its position (col on the body's
// first line, and a phrase of the message).
var modernCases = []struct {
	name, body string
	want       string // the answer when it works
	col        int    // refused: column of the diagnostic on modernBodyLine
	refusal    string
}{
	{name: "rangeint", body: `n := 0; for i := range 4 { n += i }; return strconv.Itoa(n)`, want: "6"},
	{name: "rangeintnokey", body: `n := 0; for range 3 { n++ }; return strconv.Itoa(n)`, want: "3"},
	{name: "rangeinttyped", body: `var d time.Duration; for i := range time.Duration(3) { d += i }; return d.String()`, want: "3ns"},
	{name: "minmax", body: `a, b := 4, 9; return strconv.Itoa(min(a, b, 7) + max(a, b))`, want: "13"},
	{name: "minconst", body: `const c = min(3, 7); return strconv.Itoa(c)`, want: "3"},
	{name: "minfloat", body: `x := 2.5; return strconv.FormatFloat(max(x, 1), 'g', -1, 64)`, want: "2.5"},
	{name: "clear", body: `m := map[string]int{"a": 1}; s := []int{1, 2}; clear(m); clear(s); return strconv.Itoa(len(m) + s[0] + s[1])`, want: "0"},
	{name: "newexpr", body: `p := new(41); *p++; return strconv.Itoa(*p)`, want: "42"},
	{name: "slicessort", body: `s := []string{"b", "c", "a"}; slices.Sort(s); return strings.Join(s, ",")`, want: "a,b,c"},
	{name: "slicessortfunc", body: `s := []string{"bb", "a"}; slices.SortFunc(s, func(x, y string) int { return cmp.Compare(len(x), len(y)) }); return s[0]`, want: "a"},
	{name: "slicessorted", body: `m := map[string]int{"b": 1, "a": 2}; return strings.Join(slices.Sorted(maps.Keys(m)), ",")`, want: "a,b"},
	{name: "slicescontains", body: `type IDs []string; return strconv.FormatBool(slices.Contains(IDs{"x"}, "x"))`, want: "true"},
	{name: "slicesmax", body: `return strconv.Itoa(slices.Max([]int{3, 8, 1}))`, want: "8"},
	{name: "slicesminmaxfunc", body: `s := []string{"bb", "a", "cc"}; l := func(x, y string) int { return cmp.Compare(len(x), len(y)) }; return slices.MinFunc(s, l) + slices.MaxFunc(s, l) + strconv.Itoa(slices.Min([]int{4, 2, 9}))`, want: "abb2"},
	{name: "mapsclone", body: `m := maps.Clone(map[string]int{"k": 5}); return strconv.Itoa(m["k"])`, want: "5"},
	{name: "loopvarrange", body: `var fs []func() int; for _, v := range []int{1, 2, 3} { fs = append(fs, func() int { return v }) }; return strconv.Itoa(fs[0]() + fs[2]())`, want: "4"},
	{name: "loopvarfor", body: `var fs []func() int; for i := 0; i < 3; i++ { fs = append(fs, func() int { return i }) }; return strconv.Itoa(fs[0]() + fs[1]())`, want: "1"},
	{name: "loopvarint", body: `var ps []*int; for i := range 3 { ps = append(ps, &i) }; return strconv.Itoa(*ps[0] + *ps[2])`, want: "2"},
	{name: "loopvarassigned", body: `var fs []func() int; for i := 0; i < 6; i++ { fs = append(fs, func() int { return i }); i++ }; return strconv.Itoa(len(fs))`, col: 26, refusal: "the loop variable i is captured"},
	{name: "rangefunc", body: `s := ""; for v := range slices.Values([]string{"a", "b"}) { s += v }; return s`, want: "ab"},
	{name: "rangefuncbreak", body: `n := 0; for i, v := range slices.All([]int{5, 6, 7, 8}) { if i == 0 { continue }; if v > 7 { break }; n += v }; return strconv.Itoa(n)`, want: "13"},
	{name: "rangefuncmap", body: `n := 0; for k, v := range maps.All(map[string]int{"a": 1, "bb": 2}) { n += len(k) * v }; return strconv.Itoa(n)`, want: "5"},
	{name: "rangefuncreturn", body: `for v := range slices.Values([]string{"a"}) { return v }; return ""`, col: 1, refusal: "range over a function whose body returns from the function is not supported"},
	{name: "splitseq", body: `n := 0; for p := range strings.SplitSeq("a,b,cd", ",") { n += len(p) }; return strconv.Itoa(n)`, want: "4"},
	{name: "lines", body: `s := ""; for l := range strings.Lines("x\ny\n") { s += strings.TrimSpace(l) }; return s`, want: "xy"},
	{name: "oncevalue", body: `n := 0; f := sync.OnceValue(func() int { n++; return n }); f(); return strconv.Itoa(f() + n)`, want: "2"},
	{name: "oncevalues", body: `g := sync.OnceValues(func() (string, error) { return "v", nil }); s, err := g(); return s + fmt.Sprint(err == nil)`, want: "vtrue"},
	{name: "atomicpointer", body: `var p atomic.Pointer[int]; return strconv.FormatBool(p.Load() == nil)`, col: 14, refusal: "undefined: atomic.Pointer (not available to plugins"},
	{name: "parsecookie", body: `c, _ := http.ParseCookie("a=b"); return c[0].Value`, want: "b"},
	{name: "genericvalue", body: `f := cmp.Compare[int]; return strconv.Itoa(f(1, 2))`, col: 6, refusal: "a generic function as a value is not supported"},
	{name: "httpget", body: `_, err := http.Get("http://127.0.0.1:1"); return err.Error()`, col: 11, refusal: "http.Get is not available to plugins"},
}

// writeScripts writes units (file name -> source) into dir/scripts.
func writeScripts(t *testing.T, dir string, units map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range units {
		if err := os.WriteFile(filepath.Join(dir, "scripts", name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startJSONRunner starts `go-runner run` on dir/scripts, logging JSON at
// level (info or debug: it returns once the worker logged its start).
func startJSONRunner(t *testing.T, dir, level string) *proc {
	t.Helper()
	writeConfig(t, filepath.Join(dir, "config.yaml"), "log:\n  format: json\n  level: "+level+"\n")
	sock := filepath.Join(dir, "r.sock")
	p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, "--scripts", "scripts")
	// The supervisor's socket accepts before a worker serves: calls wait
	// in the backlog meanwhile. With dozens of units, each proven in a
	// process of its own, a loaded machine took 33 s to serve, past the
	// client's ioTimeout; await the worker's start line (info) instead,
	// as long as a start of that many units may take.
	if !p.out.waitCount(manyUnitsTimeout, 1, "go-runner started") {
		t.Fatalf("no worker served within %s", manyUnitsTimeout)
	}
	return p
}

// wantJSONOnly checks that the runner wrote nothing but JSON log lines.
func wantJSONOnly(t *testing.T, p *proc) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(p.out.String()), "\n") {
		if len(jsonLines(l)) != 1 {
			t.Errorf("not a JSON log line: %q", l)
		}
	}
}

func writeModernUnits(t *testing.T, dir string) {
	t.Helper()
	units := map[string]string{}
	for _, c := range modernCases {
		units["m"+c.name+".go"] = modernUnit(c.name, c.body)
	}
	writeScripts(t, dir, units)
}

// TestModernGoCheck: `go-runner check` reports each refused feature at its
// file:line:col and nothing for the ones that work.
func TestModernGoCheck(t *testing.T) {
	dir := shortDir(t)
	writeModernUnits(t, dir)
	path, _ := binPath(t, "go-runner")
	r := runBounded(t, manyUnitsTimeout, path, dir, runnerEnv(), "check", "scripts")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, c := range modernCases {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join("scripts", "m"+c.name+".go") + ":"
			var lines []string
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.HasPrefix(l, file) {
					lines = append(lines, l)
				}
			}
			if c.refusal == "" {
				if len(lines) > 0 {
					t.Fatalf("refused, want it to load: %q", lines)
				}
				return
			}
			want := fmt.Sprintf("%s%d:%d: ", file, modernBodyLine, c.col)
			if len(lines) != 1 || !strings.HasPrefix(lines[0], want) || !strings.Contains(lines[0], c.refusal) {
				t.Fatalf("diagnostics %q, want one line %q... naming %q", lines, want, c.refusal)
			}
		})
	}
}

// TestModernGoServe: a running runner serves the features that work, logs
// the refused ones at their position, and writes nothing but JSON log lines.
func TestModernGoServe(t *testing.T) {
	dir := shortDir(t)
	writeModernUnits(t, dir)
	p := startJSONRunner(t, dir, "info")
	c := p.dial()
	for _, tc := range modernCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.refusal != "" {
				want := fmt.Sprintf("m%s.go:%d:%d: ", tc.name, modernBodyLine, tc.col)
				if !p.out.waitCount(logTimeout, 1, want, tc.refusal) {
					t.Fatalf("no log line with %q and %q", want, tc.refusal)
				}
				return
			}
			tok := prepare(t, c, pc("m-"+tc.name, nil))
			out := call(t, c, tok, client.ReqCall{ID: 1, Path: "/"}, nil)
			if got := string(out.Stop.Body); got != tc.want {
				t.Fatalf("answer %q, want %q", got, tc.want)
			}
		})
	}
	wantJSONOnly(t, p)
}
