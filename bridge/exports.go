package bridge

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	stdunsafe "github.com/traefik/yaegi/stdlib/unsafe"
)

// Exports returns the symbols of one unit's interpreter: the default
// standard library allowlist plus the packages in allow, the SDK under the
// project's and the reference's paths, golang.org/x/time/rate, and the
// unit's Host behind the interpreted plugin package. Give the interpreter
// SourceFS as its GoPath too.
func Exports(allow []string, h Host) (interp.Exports, error) {
	if h.Register == nil || h.Log == nil {
		return nil, fmt.Errorf("bridge: host without Register or Log")
	}
	if err := CheckAllow(allow); err != nil {
		return nil, err
	}
	ex := interp.Exports{
		// Not a package: yaegi's interface mappings for fmt, json and xml,
		// so that script types implementing Stringer or Marshaler work.
		".": stdlib.Symbols["."],
	}
	// Packages the unit does not import serve only the interpreted plugin
	// package (trusted): they keep the shared values.
	memo := make(map[ptrKey]reflect.Value)
	for p, syms := range stdDefault {
		if h.Imports == nil || slices.Contains(h.Imports, p) {
			syms = privateVars(p, syms, memo)
		}
		ex[stdKey(p)] = syms
	}
	ex[stdKey("time")] = unitTime(h, ex[stdKey("time")])
	ex[stdKey("context")] = unitContext(h, ex[stdKey("context")])
	for _, p := range allow {
		if isDefault(p) && p != "net" && p != "net/http" {
			continue // already there, possibly made safer
		}
		if sdkPaths[p] {
			continue
		}
		ex[stdKey(p)] = withNewer(p, readOnly(optional(p)))
		if p == "unsafe" {
			// unsafe.Pointer conversions go through this hook.
			ex["github.com/traefik/yaegi/yaegi"] = stdunsafe.Symbols["github.com/traefik/yaegi/yaegi"]
		}
	}

	httpSyms := Symbols[key(HTTPPath, "pluginhttp")]
	ex[key(HTTPPath, "pluginhttp")] = httpSyms
	ex[key(RefHTTPPath, "http")] = httpSyms
	ex[key(PreparedPath, "prepared")] = Symbols[key(PreparedPath, "prepared")]
	ex[key(RatePath, "rate")] = readOnly(Symbols[key(RatePath, "rate")])
	logSyms := logSymbols(h.Log)
	ex[key(LogPath, "pluginlog")] = logSyms
	ex[key(RefLogPath, "log")] = logSyms
	ex[key(hostPath, "host")] = map[string]reflect.Value{"Register": reflect.ValueOf(h.Register)}
	return ex, nil
}
