package interp

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
)

const registerLine = `
func init() {
	if err := plugin.RegisterPlugin(&P{}); err != nil {
		panic(err)
	}
}

type P struct{ plugin.DefaultPlugin }

func (*P) Name() string                             { return "p" }
func (*P) ParseConf(in []byte) (interface{}, error) { return nil, nil }
`

func TestLoadUnitErrors(t *testing.T) {
	cases := []struct {
		name  string
		unit  string
		files map[string]string
		cfg   Config
		is    error
		want  string // the exact error, or a part of it with ~ in front
	}{
		{
			name: "refused import names position and the way out",
			unit: "deny.go",
			files: map[string]string{"deny.go": `package scripts

import (
	"os/exec"

	"github.com/go-runner/go-runner/sdk/plugin"
)
` + registerLine + `
var _ = exec.Command
`},
			is:   ErrImportNotAllowed,
			want: `interp: unit "deny.go": deny.go:4:2: import "os/exec" is not allowed in plugins (allow it with sandbox.allow in config.yaml)`,
		},
		{
			name: "every refused import is reported",
			unit: "many.go",
			files: map[string]string{"many.go": `package scripts

import (
	"os"
	"reflect"
	"unsafe"
	"github.com/example/lib"
)
`},
			is: ErrImportNotAllowed,
			want: `interp: unit "many.go": many.go:4:2: import "os" is not allowed in plugins (allow it with sandbox.allow in config.yaml)
many.go:5:2: import "reflect" is not allowed in plugins (allow it with sandbox.allow in config.yaml)
many.go:6:2: import "unsafe" is not allowed in plugins (allow it with sandbox.allow in config.yaml)
many.go:7:2: import "github.com/example/lib" is not available to plugins (they can import the SDK, golang.org/x/time/rate, the standard library and the helper packages scripts/lib/<pkg>)`,
		},
		{
			name:  "internal bridge packages are not importable",
			unit:  "host.go",
			files: map[string]string{"host.go": "package scripts\n\nimport _ \"github.com/go-runner/go-runner/bridge/host\"\n"},
			is:    ErrImportUnavailable,
			want:  `~host.go:3:10: import "github.com/go-runner/go-runner/bridge/host" is not available`,
		},
		{
			name:  "plugin (stdlib) cannot be provided",
			unit:  "plug.go",
			files: map[string]string{"plug.go": "package scripts\n\nimport _ \"plugin\"\n"},
			is:    ErrImportUnavailable,
			want:  `~plug.go:3:10: import "plugin" is not available`,
		},
		{
			name: "go statement",
			unit: "spawn.go",
			files: map[string]string{"spawn.go": `package scripts

import "github.com/go-runner/go-runner/sdk/plugin"
` + registerLine + `
func spawn() {
	go func() {}()
}
`},
			is:   ErrGoStatement,
			want: `interp: unit "spawn.go": spawn.go:17:2: go statements are not allowed in plugins (a panic on that goroutine would end the runner)`,
		},
		{
			name:  "syntax error",
			unit:  "bad.go",
			files: map[string]string{"bad.go": "package scripts\n\nfunc f() {\n\tx :=\n}\n"},
			is:    ErrSyntax,
			want:  `~interp: unit "bad.go": syntax error: bad.go:5:1: `,
		},
		{
			name:  "compile error has file:line:col",
			unit:  "undef.go",
			files: map[string]string{"undef.go": "package scripts\n\nimport \"github.com/go-runner/go-runner/sdk/plugin\"\n" + registerLine + "\nfunc f() int { return y }\n"},
			is:    ErrCompile,
			want:  `~interp: unit "undef.go": compile error: undef.go:16:23: undefined: y`,
		},
		{
			name:  "network client of net/http is not there by default",
			unit:  "get.go",
			files: map[string]string{"get.go": "package scripts\n\nimport (\n\t\"net/http\"\n\n\t\"github.com/go-runner/go-runner/sdk/plugin\"\n)\n" + registerLine + "\nvar _ = http.Get\n"},
			is:    ErrCompile,
			want:  `~get.go:20:9: http.Get is not available to plugins`,
		},
		{
			name:  "panic in init",
			unit:  "boom.go",
			files: map[string]string{"boom.go": "package scripts\n\nfunc init() { panic(\"boom\") }\n"},
			is:    ErrLoadPanic,
			want:  `interp: unit "boom.go": panic while loading: boom.go:3:15: boom`,
		},
		{
			name:  "panic in a folder's init",
			unit:  "folder",
			files: map[string]string{"folder/a.go": "package folder\n\nfunc init() {\n\tvar m map[string]int\n\tm[\"x\"] = 1\n}\n"},
			is:    ErrLoadPanic,
			want:  `interp: unit "folder": panic while loading: folder/a.go:5:2: assignment to entry in nil map`,
		},
		{
			name: "log.Fatalf in init fails the load, not the runner",
			unit: "fatal.go",
			files: map[string]string{"fatal.go": `package scripts

import "github.com/apache/apisix-go-plugin-runner/pkg/log"

func init() { log.Fatalf("cannot start: %d", 42) }
`},
			is:   ErrLoadPanic,
			want: `~pluginlog: fatal: cannot start: 42`,
		},
		{
			name:  "endless init is bounded by the load timeout",
			unit:  "spin.go",
			files: map[string]string{"spin.go": "package scripts\n\nfunc init() {\n\tfor {\n\t}\n}\n"},
			cfg:   Config{LoadTimeout: 300 * time.Millisecond},
			is:    ErrLoadTimeout,
			want:  `interp: unit "spin.go": load timed out after 300ms: an init function or package variable of spin.go does not return`,
		},
		{
			name:  "init blocked on a channel is bounded too",
			unit:  "block.go",
			files: map[string]string{"block.go": "package scripts\n\nfunc init() {\n\t<-make(chan int)\n}\n"},
			cfg:   Config{LoadTimeout: 300 * time.Millisecond},
			is:    ErrLoadTimeout,
			want:  `~load timed out after 300ms`,
		},
		{
			name:  "no plugin",
			unit:  "none.go",
			files: map[string]string{"none.go": "package scripts\n\nfunc helper() int { return 1 }\n"},
			is:    ErrNoPlugin,
			want:  `interp: unit "none.go": unit registers no plugin: call plugin.RegisterPlugin from init(); code shared between units goes in a helper package, lib/<pkg>/*.go in the scripts directory, imported as "scripts/lib/<pkg>"`,
		},
		{
			name: "a name registered twice in one unit fails even if the error is ignored",
			unit: "twice.go",
			files: map[string]string{"twice.go": `package scripts

import "github.com/go-runner/go-runner/sdk/plugin"

func init() {
	_ = plugin.RegisterPlugin(&P{})
	_ = plugin.RegisterPlugin(&P{})
}

type P struct{ plugin.DefaultPlugin }

func (*P) Name() string                             { return "p" }
func (*P) ParseConf(in []byte) (interface{}, error) { return nil, nil }
`},
			is:   plugin.ErrDuplicate,
			want: `~plugin "p": plugin name registered twice: script `,
		},
		{
			name:  "nil plugin",
			unit:  "nil.go",
			files: map[string]string{"nil.go": "package scripts\n\nimport \"github.com/go-runner/go-runner/sdk/plugin\"\n\nfunc init() { _ = plugin.RegisterPlugin(nil) }\n"},
			is:    ErrRegister,
			want:  `~nil plugin`,
		},
		{
			name: "plugin without filters",
			unit: "nofilter.go",
			files: map[string]string{"nofilter.go": `package scripts

import "github.com/go-runner/go-runner/sdk/plugin"

func init() { _ = plugin.RegisterPlugin(P{}) }

type P struct{}

func (P) Name() string                             { return "p" }
func (P) ParseConf(in []byte) (interface{}, error) { return nil, nil }
`},
			is:   plugin.ErrNoFilter,
			want: `~plugin has none of RequestFilter, Filter and ResponseFilter`,
		},
		{
			name:  "a doc-only file is not a unit",
			unit:  "doc.go",
			files: map[string]string{"doc.go": "// Package scripts ...\npackage scripts\n"},
			is:    ErrNotUnit,
			want:  `interp: unit "doc.go": not a script unit: doc.go declares nothing`,
		},
		{
			name:  "a test file is not a unit",
			unit:  "x_test.go",
			files: map[string]string{"x_test.go": "package scripts\n"},
			is:    ErrNotUnit,
			want:  `~not a script unit: want a .go file`,
		},
		{
			name:  "unknown sandbox.allow entry",
			unit:  "echo.go",
			files: map[string]string{"echo.go": echoSrc("echo")},
			cfg:   Config{Allow: []string{"no/such/pkg"}},
			want:  `~sandbox.allow "no/such/pkg": package cannot be provided to scripts`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := loadOne(t, c.cfg, c.unit, c.files)
			if err == nil {
				t.Fatalf("loaded %v, want error %q", u.Name(), c.want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			var ue *UnitError
			if !errors.As(err, &ue) || ue.Unit != c.unit {
				t.Errorf("error %v does not name unit %q", err, c.unit)
			}
			if part, ok := strings.CutPrefix(c.want, "~"); ok {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, part)
				}
			} else if err.Error() != c.want {
				t.Errorf("error\n%v\nwant\n%s", err, c.want)
			}
		})
	}
}

func TestLoadUnitShapes(t *testing.T) {
	t.Run("file unit", func(t *testing.T) {
		u := mustLoad(t, Config{}, "echo.go", map[string]string{"echo.go": echoSrc("echo")})
		specs := u.Specs()
		if u.Name() != "echo.go" || len(specs) != 1 {
			t.Fatalf("unit %q specs %d", u.Name(), len(specs))
		}
		s := specs[0]
		if s.Name != "echo" || s.Unit != "echo.go" || s.Guard != u || !strings.HasPrefix(s.Origin, "script ") ||
			!strings.HasSuffix(s.Origin, "echo.go") || s.RequestFilter == nil || s.ResponseFilter == nil {
			t.Fatalf("spec %+v", s)
		}
		r := newRequest()
		conf, err := s.ParseConf([]byte("v1"))
		if err != nil {
			t.Fatal(err)
		}
		s.RequestFilter(conf, httptest.NewRecorder(), r)
		if got := r.header.Get("X-echo"); got != "v1" {
			t.Fatalf("X-echo %q", got)
		}
	})
	t.Run("folder unit loads its files together, not its tests", func(t *testing.T) {
		u := mustLoad(t, Config{}, "multi", map[string]string{
			"multi/a.go":      strings.Replace(echoSrc("multi"), `conf.(string))`, `suffix(conf.(string)))`, 1),
			"multi/b.go":      "package scripts\n\nfunc suffix(s string) string { return s + \"-b\" }\n",
			"multi/a_test.go": "package scripts\n\nimport \"os\"\n\nthis does not parse\n",
			"multi/_skip.go":  "garbage",
		})
		r := newRequest()
		u.Specs()[0].RequestFilter("x", httptest.NewRecorder(), r)
		if got := r.header.Get("X-multi"); got != "x-b" {
			t.Fatalf("X-multi %q", got)
		}
	})
	t.Run("legacy Filter shape", func(t *testing.T) {
		u := mustLoad(t, Config{}, "legacy.go", map[string]string{"legacy.go": `package plugins

import (
	"net/http"

	pkgHTTP "github.com/apache/apisix-go-plugin-runner/pkg/http"
	"github.com/apache/apisix-go-plugin-runner/pkg/plugin"
)

func init() {
	if err := plugin.RegisterPlugin(Legacy{}); err != nil {
		panic(err)
	}
}

type Legacy struct{}

func (Legacy) Name() string                             { return "legacy" }
func (Legacy) ParseConf(in []byte) (interface{}, error) { return string(in), nil }
func (Legacy) Filter(conf interface{}, w http.ResponseWriter, r pkgHTTP.Request) {
	w.Header().Set("X-Legacy", conf.(string))
	w.WriteHeader(http.StatusTeapot)
}
`})
		s := u.Specs()[0]
		if s.RequestFilter == nil || s.ResponseFilter != nil {
			t.Fatalf("filters: request %v response %v", s.RequestFilter != nil, s.ResponseFilter != nil)
		}
		w := httptest.NewRecorder()
		s.RequestFilter("old", w, newRequest())
		if w.Code != 418 || w.Header().Get("X-Legacy") != "old" {
			t.Fatalf("code %d header %v", w.Code, w.Header())
		}
	})
	t.Run("legacy Filter shape with DefaultPlugin embedded", func(t *testing.T) {
		u := mustLoad(t, Config{}, "legacy2.go", map[string]string{"legacy2.go": `package plugins

import (
	"net/http"

	pkgHTTP "github.com/apache/apisix-go-plugin-runner/pkg/http"
	"github.com/apache/apisix-go-plugin-runner/pkg/plugin"
)

func init() { _ = plugin.RegisterPlugin(&Legacy2{}) }

type Legacy2 struct{ plugin.DefaultPlugin }

func (*Legacy2) Name() string                             { return "legacy2" }
func (*Legacy2) ParseConf(in []byte) (interface{}, error) { return string(in), nil }
func (*Legacy2) Filter(conf interface{}, w http.ResponseWriter, r pkgHTTP.Request) {
	w.WriteHeader(http.StatusTeapot)
}
`})
		w := httptest.NewRecorder()
		u.Specs()[0].RequestFilter("x", w, newRequest())
		if w.Code != 418 {
			t.Fatalf("Filter did not run (code %d): DefaultPlugin's no-op RequestFilter won", w.Code)
		}
	})
	t.Run("response phase only, DefaultPlugin embedded by value", func(t *testing.T) {
		u := mustLoad(t, Config{}, "resp.go", map[string]string{"resp.go": `package scripts

import (
	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() { _ = plugin.RegisterPlugin(R{}) }

type R struct{ plugin.DefaultPlugin }

func (R) Name() string                             { return "r" }
func (R) ParseConf(in []byte) (interface{}, error) { return nil, nil }
func (R) ResponseFilter(conf interface{}, w pluginhttp.Response) {
	w.Header().Set("X-Status", "seen")
	w.WriteHeader(w.StatusCode() + 1)
}
`})
		s := u.Specs()[0]
		resp := newResponse(200, "")
		s.ResponseFilter(nil, resp)
		if resp.code != 201 || resp.header.Get("X-Status") != "seen" {
			t.Fatalf("code %d header %v", resp.code, resp.header)
		}
		s.RequestFilter(nil, httptest.NewRecorder(), newRequest()) // DefaultPlugin's no-op
	})
	t.Run("two plugins in one unit", func(t *testing.T) {
		src := echoSrc("one") + "\nfunc init() { _ = plugin.RegisterPlugin(&Two{}) }\n\ntype Two struct{ Echo }\n\nfunc (*Two) Name() string { return \"two\" }\n"
		u := mustLoad(t, Config{}, "pair.go", map[string]string{"pair.go": src})
		if n := len(u.Specs()); n != 2 || u.Specs()[0].Name != "one" || u.Specs()[1].Name != "two" {
			t.Fatalf("%d specs", n)
		}
	})
	t.Run("sandbox.allow opts a package in", func(t *testing.T) {
		src := strings.Replace(echoSrc("env"), `"net/http"`, "\"net/http\"\n\t\"os\"", 1) + "\nvar _ = os.Getpid\n"
		if _, err := loadOne(t, Config{}, "env.go", map[string]string{"env.go": src}); !errors.Is(err, ErrImportNotAllowed) {
			t.Fatalf("without allow: %v", err)
		}
		mustLoad(t, Config{Allow: []string{"os"}}, "env.go", map[string]string{"env.go": src})
	})
}
