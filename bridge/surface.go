package bridge

import (
	"go/constant"
	"path"
	"reflect"
	"strings"
	"sync"

	"github.com/traefik/yaegi/stdlib"
)

// SymbolKind says what a package-level symbol a script can see is.
type SymbolKind int

// Kinds of symbols.
const (
	SymType  SymbolKind = iota // Value's type is a pointer to the type
	SymFunc                    // a function
	SymVar                     // a variable of Value's type
	SymConst                   // a constant: Value holds it (an untyped one is a constant.Value)
)

// Symbol is one package-level name a script can see, for type checking.
type Symbol struct {
	Kind  SymbolKind
	Value reflect.Value
}

// Surface returns what a script can see of each package served as
// compiled symbols, by import path, given sandbox.allow: the same names as
// Exports, described for go/types. The packages served as interpreted
// source (SourceFS) are not in it: check them from their source.
func Surface(allow []string) map[string]map[string]Symbol {
	out := make(map[string]map[string]Symbol)
	add := func(p string, served, orig map[string]reflect.Value) {
		m := make(map[string]Symbol, len(served))
		for n, v := range served {
			if strings.HasPrefix(n, "_") || !v.IsValid() {
				continue // yaegi's interface wrappers
			}
			m[n] = describe(v, orig[n])
		}
		out[p] = m
	}
	for p, syms := range stdDefault {
		if _, ok := StdSourcePath(p); ok {
			continue
		}
		add(p, syms, stdlib.Symbols[stdKeys[p]])
	}
	for _, p := range allow {
		if sdkPaths[p] || (isDefault(p) && p != "net" && p != "net/http") {
			continue
		}
		if o := optional(p); o != nil {
			add(p, withNewer(p, o), o)
		}
	}
	httpSyms := Symbols[key(HTTPPath, "pluginhttp")]
	add(HTTPPath, httpSyms, httpSyms)
	add(RefHTTPPath, httpSyms, httpSyms)
	prepared := Symbols[key(PreparedPath, "prepared")]
	add(PreparedPath, prepared, prepared)
	rate := Symbols[key(RatePath, "rate")]
	add(RatePath, rate, rate)
	logSyms := logSymbols(nil)
	add(LogPath, logSyms, nil)
	add(RefLogPath, logSyms, nil)
	add(hostPath, map[string]reflect.Value{"Register": reflect.ValueOf(RegisterFunc(nil))}, nil)
	return out
}

// describe tells the kind of a served symbol v; orig is the same symbol
// before it was made read-only (addressable when it is a variable).
func describe(v, orig reflect.Value) Symbol {
	switch {
	case v.Kind() == reflect.Ptr && v.IsNil():
		return Symbol{Kind: SymType, Value: v}
	case orig.IsValid() && orig.CanAddr():
		return Symbol{Kind: SymVar, Value: v}
	case v.Type() == reflect.TypeOf((*constant.Value)(nil)).Elem() || v.Type().Implements(reflect.TypeOf((*constant.Value)(nil)).Elem()) && v.Kind() != reflect.Func:
		return Symbol{Kind: SymConst, Value: v}
	case v.Kind() == reflect.Func:
		return Symbol{Kind: SymFunc, Value: v}
	}
	return Symbol{Kind: SymConst, Value: v}
}

// PathOfStdSource maps the import path of a package served as source back
// to the standard library's ("…/bridge/std/slices" -> "slices").
func PathOfStdSource(importPath string) (string, bool) {
	p, ok := strings.CutPrefix(importPath, stdSourcePrefix)
	if !ok {
		return "", false
	}
	return path.Clean(p), true
}

// FullSurface is every symbol of the package at importPath that any
// configuration can serve (net/http and net with everything sandbox.allow
// opens), or nil when none serves it.
func FullSurface(importPath string) map[string]Symbol {
	fullOnce.Do(func() { fullSurface = Surface([]string{"net", "net/http"}) })
	if m, ok := fullSurface[importPath]; ok {
		return m
	}
	if o := optional(importPath); o != nil {
		return Surface([]string{importPath})[importPath]
	}
	return nil
}

// fullSurface is made on first use: Symbols is filled by init functions,
// after package variables.
var (
	fullOnce    sync.Once
	fullSurface map[string]map[string]Symbol
)
