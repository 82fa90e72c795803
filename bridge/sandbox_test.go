package bridge

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginlog"
	"go.uber.org/zap"
)

func TestImportAccess(t *testing.T) {
	cases := []struct {
		path  string
		allow []string
		want  Access
	}{
		{"strings", nil, Allowed},
		{"encoding/json", nil, Allowed},
		{"net/http", nil, Allowed},
		{"math/rand/v2", nil, Allowed},
		{PluginPath, nil, Allowed},
		{RefPluginPath, nil, Allowed},
		{RefHTTPPath, nil, Allowed},
		{RefLogPath, nil, Allowed},
		{RatePath, nil, Allowed},
		{PreparedPath, nil, Allowed},
		{"github.com/apache/apisix-go-plugin-runner/pkg/prepared", nil, Unavailable},
		{"os", nil, Refused},
		{"os/exec", nil, Refused},
		{"syscall", nil, Refused},
		{"unsafe", nil, Refused},
		{"reflect", nil, Refused},
		{"net/http/httputil", nil, Refused},
		{"path/filepath", nil, Refused},
		{"log", nil, Refused},
		{"os", []string{"os"}, Allowed},
		{"os/exec", []string{"os", "os/exec"}, Allowed},
		{"unsafe", []string{"unsafe"}, Allowed},
		{"plugin", []string{"plugin"}, Unavailable},
		{"C", nil, Unavailable},
		{"github.com/traefik/yaegi/stdlib", nil, Unavailable},
		{"github.com/traefik/yaegi/interp", nil, Unavailable},
		{hostPath, nil, Unavailable},
		{"github.com/go-runner/go-runner/sdk/runner", nil, Unavailable},
		{"golang.org/x/time", nil, Unavailable},
	}
	for _, c := range cases {
		if got := ImportAccess(c.path, c.allow); got != c.want {
			t.Errorf("ImportAccess(%q, %v) = %d, want %d", c.path, c.allow, got, c.want)
		}
	}
}

func TestCheckAllow(t *testing.T) {
	if err := CheckAllow([]string{"os", "net/http", "unsafe", "syscall", "os/exec", "reflect", "strings"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"plugin", "github.com/x/y", "no/such"} {
		err := CheckAllow([]string{bad})
		if !errors.Is(err, ErrUnknownPackage) || !strings.HasPrefix(err.Error(), "bridge: sandbox.allow \""+bad+"\"") {
			t.Errorf("CheckAllow(%q): %v", bad, err)
		}
	}
}

func testHost() Host {
	return Host{
		Register: func(string, plugin.ParseFunc, plugin.RequestFunc, plugin.ResponseFunc) error { return nil },
		Log:      pluginlog.New(zap.NewNop()),
	}
}

func TestExportsAreAnAllowlist(t *testing.T) {
	ex, err := Exports(nil, testHost())
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{".": true, key(hostPath, "host"): true}
	for _, p := range defaultAllowed {
		allowed[stdKey(p)] = true
	}
	for _, k := range []string{key(HTTPPath, "pluginhttp"), key(RefHTTPPath, "http"), key(LogPath, "pluginlog"),
		key(RefLogPath, "log"), key(RatePath, "rate"), key(PreparedPath, "prepared")} {
		allowed[k] = true
	}
	for k := range ex {
		if !allowed[k] {
			t.Errorf("exported %q", k)
		}
	}
	if len(ex) != len(allowed) {
		t.Errorf("%d packages exported, want %d", len(ex), len(allowed))
	}

	httpSyms := ex[stdKey("net/http")]
	for _, name := range []string{"Get", "Post", "Client", "DefaultClient", "DefaultTransport", "Transport",
		"ListenAndServe", "Serve", "FileServer", "ServeFile", "Dir", "NewFileTransport", "Server"} {
		if _, ok := httpSyms[name]; ok {
			t.Errorf("net/http.%s is exported", name)
		}
	}
	for _, name := range []string{"StatusOK", "StatusServiceUnavailable", "MethodGet", "StatusText", "Header",
		"ResponseWriter", "_ResponseWriter", "CanonicalHeaderKey"} {
		if _, ok := httpSyms[name]; !ok {
			t.Errorf("net/http.%s is missing", name)
		}
	}
	for _, name := range []string{"Dial", "DialTimeout", "Listen", "LookupHost", "Dialer", "Resolver", "DefaultResolver"} {
		if _, ok := ex[stdKey("net")][name]; ok {
			t.Errorf("net.%s is exported", name)
		}
	}
	if _, ok := ex[stdKey("crypto")]["RegisterHash"]; ok {
		t.Error("crypto.RegisterHash is exported")
	}

	// Every package variable is read-only.
	for k, syms := range ex {
		for name, v := range syms {
			if k != "." && v.IsValid() && v.CanSet() {
				t.Errorf("%s.%s can be set", k, name)
			}
		}
	}

	// Opting in gives the whole package.
	ex, err = Exports([]string{"net/http", "os"}, testHost())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ex[stdKey("net/http")]["Get"]; !ok {
		t.Error("net/http opted in has no Get")
	}
	if _, ok := ex[stdKey("os")]["ReadFile"]; !ok {
		t.Error("os opted in has no ReadFile")
	}
}

func TestLogSymbolsAreBoundToTheUnit(t *testing.T) {
	gen := Symbols[key(LogPath, "pluginlog")]
	if len(gen) != 5 {
		t.Fatalf("generated pluginlog symbols: %v", reflect.ValueOf(gen).MapKeys())
	}
	l := pluginlog.New(zap.NewNop())
	syms := logSymbols(l)
	for name := range gen {
		if _, ok := syms[name]; !ok {
			t.Errorf("%s is not bound to the unit's logger", name)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(PanicValue(r).(error).Error(), "fatal: stop 1") {
			t.Fatalf("Fatalf did not panic: %v", r)
		}
	}()
	syms["Fatalf"].Interface().(func(string, ...interface{}))("stop %d", 1)
}

func TestUnaddressableKeepsType(t *testing.T) {
	var e error = errors.New("x")
	v := unaddressable(reflect.ValueOf(&e).Elem())
	if v.CanSet() || v.Type() != reflect.TypeOf((*error)(nil)).Elem() || v.Interface() != e {
		t.Fatalf("settable %v type %v", v.CanSet(), v.Type())
	}
}
