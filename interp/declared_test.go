package interp

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDeclaredFilters(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("resp.go", `package s
type R struct{ plugin.DefaultPlugin }
func (*R) Name() string { return "resp" }
func (*R) ResponseFilter(c interface{}, w pluginhttp.Response) {}
`)
	write("legacy.go", "package s\ntype L struct{}\nfunc (L) Name() string { return `legacy` }\nfunc (L) Filter() {}\n")
	write("both/a.go", `package s
type B struct{}
func (*B) Name() string { return "both" }
`)
	write("both/b.go", `package s
func (*B) RequestFilter() {}
func (*B) ResponseFilter() {}
`)
	write("both/b_test.go", "package s\nfunc (*B) Filter() {}\n")
	write("computed.go", "package s\ntype C struct{}\nfunc (C) Name() string { return name }\nfunc (C) RequestFilter() {}\n")
	for _, tc := range []struct {
		unit, plugin string
		want         Filters
		ok           bool
	}{
		{"resp.go", "resp", Filters{Response: true}, true},
		{"legacy.go", "legacy", Filters{Request: true}, true},
		{"both", "both", Filters{Request: true, Response: true}, true},
		{"computed.go", "c", Filters{}, false},
		{"resp.go", "other", Filters{}, false},
	} {
		f, ok, err := DeclaredFilters(filepath.Join(dir, tc.unit), tc.plugin)
		if err != nil || ok != tc.ok || f != tc.want {
			t.Errorf("%s %s: %+v %v %v, want %+v %v", tc.unit, tc.plugin, f, ok, err, tc.want, tc.ok)
		}
	}
	if _, _, err := DeclaredFilters(filepath.Join(dir, "absent.go"), "x"); err == nil {
		t.Error("a missing unit gave no error")
	}
}
