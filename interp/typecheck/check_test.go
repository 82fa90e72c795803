package typecheck

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// check parses files (name -> source) and checks them as one unit.
func check(t *testing.T, files map[string]string, allow []string) (*Result, error) {
	t.Helper()
	fset := token.NewFileSet()
	var parsed []*ast.File
	srcs := map[string][]byte{}
	for name, src := range files {
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		srcs[name] = []byte(src)
	}
	return Check(fset, parsed, nil, srcs, allow)
}

// TestRewriteGolden: the rewrite keeps every line where it was.
func TestRewriteGolden(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "modern.go"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := check(t, map[string]string{"modern.go": string(src)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := out.Files["modern.go"]
	golden := filepath.Join("testdata", "modern.go.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("rewritten:\n%s\nwant:\n%s", got, want)
	}
	if strings.Count(string(got), "\n") != strings.Count(string(src), "\n") {
		t.Fatal("the rewrite moved lines")
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "x.go", got, 0); err != nil {
		t.Fatalf("rewritten source does not parse: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	const head = "package scripts\n\nimport (\n\t\"net/http\"\n\t\"slices\"\n\t\"strings\"\n\t\"cmp\"; \"iter\"\n\t\"github.com/go-runner/go-runner/sdk/plugin\"\n)\nfunc f() {\n"
	cases := []struct {
		name, body string
		allow      []string
		want       string // "" loads
	}{
		{"type error", `var x int = "s"; _ = x`, nil, `u.go:11:13: cannot use "s"`},
		{"stdlib newer than the interpreter", `_ = http.NewCrossOriginProtection`, nil, "u.go:11:10: undefined: http.NewCrossOriginProtection (not available to plugins"},
		{"newer stdlib served compiled", `for p := range strings.SplitSeq("a,b", ",") { _ = p }`, nil, ""},
		{"not in the SDK", "_ = plugin.Spec{}", nil, "u.go:11:12: undefined: plugin.Spec (not available to plugins: the runner serves github.com/go-runner/go-runner/sdk/plugin without it)"},
		{"outside the sandbox", `_, _ = http.Get("x")`, nil, "u.go:11:8: http.Get is not available to plugins"},
		{"opened by sandbox.allow", `_, _ = http.Get("x")`, []string{"net/http"}, ""},
		{"range over func", `for v := range slices.Values([]int{1}) { _ = v }`, nil, ""},
		{"range over func returning", `for v := range slices.Values([]int{1}) { if v > 0 { return } }`, nil, "u.go:11:1: range over a function whose body returns from the function is not supported"},
		{"range over func with a label", `L: for v := range slices.Values([]int{1}) { for { continue L }; _ = v }`, nil, "u.go:11:4: range over a function whose body uses a labeled continue"},
		{"generic func value", `f := cmp.Compare[int]; _ = f`, nil, "u.go:11:6: a generic function as a value is not supported"},
		{"captured and assigned", `for i := 0; i < 3; i++ { _ = func() int { return i }; i++ }`, nil, "u.go:11:5: the loop variable i is captured"},
		{"range over int with =", `var i int; for i = range 3 { }; _ = i`, nil, "u.go:11:12: range over an integer with = is not supported"},
		{"every problem in one run", `_ = http.NewCrossOriginProtection; _, _ = http.Get("x"); for v := range slices.Values([]int{1}) { return }`, nil,
			"u.go:11:10: undefined: http.NewCrossOriginProtection (not available to plugins: the interpreter serves Go 1.22's standard library, see \"Go in scripts\" in the README)\nu.go:11:43: http.Get is not available to plugins (the sandbox serves net/http without it; sandbox.allow in config.yaml serves a package whole)\nu.go:11:58: range over a function whose body returns"},
		{"iter.Seq variable from a generic function", `var s iter.Seq[int] = slices.Values([]int{1}); _ = s`, nil, "u.go:11:5: a variable of type iter.Seq given a generic function's result is not supported"},
		{"iter.Seq variable from a func literal", `var s iter.Seq[int] = func(yield func(int) bool) {}; _ = s`, nil, ""},
		{"unused import and variable load as before", `x := 1`, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := check(t, map[string]string{"u.go": head + c.body + "\n}\n"}, c.allow)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
				t.Fatalf("error %v, want %q...", err, c.want)
			}
		})
	}
}

// TestConcurrentChecks: units load in parallel and share the converted
// packages, each converting some while others are read.
func TestConcurrentChecks(t *testing.T) {
	files := []string{"say.go", "response_rewrite.go", "limit_req.go", "var_body.go"}
	errs := make(chan error, len(files))
	for _, name := range files {
		src, err := os.ReadFile(filepath.Join("..", "..", "scripts", name))
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			_, err := checkSource2(string(src))
			errs <- err
		}()
	}
	for range files {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// checkSource2 checks one file named say.go, outside a test's goroutine.
func checkSource2(src string) (*Result, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "say.go", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	return Check(fset, []*ast.File{f}, nil, map[string][]byte{"say.go": []byte(src)}, nil)
}

// BenchmarkCheck measures what type-checking adds to a unit's load (the
// packages' conversion is paid once per process, before the loop).
func BenchmarkCheck(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "..", "scripts", "response_rewrite.go"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := checkSource2(string(src)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := checkSource2(string(src)); err != nil {
			b.Fatal(err)
		}
	}
}
