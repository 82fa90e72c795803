package bridge

import (
	"path"
	"reflect"
	"strings"

	"github.com/traefik/yaegi/stdlib"
)

// netHTTPNames is what scripts get of net/http by default: the types a
// filter handles and pure helpers; no client, server, transport, file server
// or package variable (DefaultClient...). Status* and Method* constants are
// added by prefix.
var netHTTPNames = []string{
	"CanonicalHeaderKey", "Cookie", "DetectContentType", "ErrNoCookie", "Header",
	"ParseHTTPVersion", "ParseTime", "Request", "ResponseWriter", "_ResponseWriter",
	"SameSite", "SameSiteDefaultMode", "SameSiteLaxMode", "SameSiteNoneMode",
	"SameSiteStrictMode", "StatusText", "TimeFormat", "TrailerPrefix",
}

// netNames is what scripts get of net by default: addresses and their
// parsing (Request.SrcIP is a net.IP), no dialing, listening or lookups.
var netNames = []string{
	"AddrError", "CIDRMask", "HardwareAddr", "IP", "IPMask", "IPNet", "IPv4",
	"IPv4Mask", "IPv4bcast", "IPv4len", "IPv4zero", "IPv6len", "IPv6loopback",
	"IPv6unspecified", "IPv6zero", "JoinHostPort", "ParseCIDR", "ParseError",
	"ParseIP", "ParseMAC", "SplitHostPort",
}

// stdDefault holds the default allowlist's symbols, filtered and with every
// package variable made read-only, so that no script can replace io.EOF,
// crypto/rand.Reader or time.Local for the whole runner. time and context
// are completed per unit (AfterFunc, see unitTime).
var stdDefault = func() map[string]map[string]reflect.Value {
	out := make(map[string]map[string]reflect.Value, len(defaultAllowed))
	for _, p := range defaultAllowed {
		syms := stdlib.Symbols[stdKeys[p]]
		switch p {
		case "net/http":
			syms = pick(syms, netHTTPNames, "Status", "Method")
		case "net":
			syms = pick(syms, netNames)
		case "crypto":
			syms = drop(syms, "RegisterHash")
		}
		out[p] = withNewer(p, readOnly(syms))
	}
	return out
}()

// pick returns the named symbols of syms and those starting with a prefix.
func pick(syms map[string]reflect.Value, names []string, prefixes ...string) map[string]reflect.Value {
	out := make(map[string]reflect.Value, len(names))
	for _, n := range names {
		if v, ok := syms[n]; ok {
			out[n] = v
		}
	}
	for n, v := range syms {
		for _, pre := range prefixes {
			if strings.HasPrefix(n, pre) {
				out[n] = v
			}
		}
	}
	return out
}

// drop returns syms without the named symbols.
func drop(syms map[string]reflect.Value, names ...string) map[string]reflect.Value {
	out := make(map[string]reflect.Value, len(syms))
	for n, v := range syms {
		out[n] = v
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}

// readOnly returns a copy of syms whose variables are plain values: a script
// assigning to one fails instead of changing the runner's variable.
func readOnly(syms map[string]reflect.Value) map[string]reflect.Value {
	out := make(map[string]reflect.Value, len(syms))
	for n, v := range syms {
		if v.CanSet() {
			v = unaddressable(v)
		}
		out[n] = v
	}
	return out
}

// unaddressable copies v into a value of the same type that cannot be set
// (a map element), keeping interface types such as error intact.
func unaddressable(v reflect.Value) reflect.Value {
	k := reflect.ValueOf("")
	m := reflect.MakeMapWithSize(reflect.MapOf(k.Type(), v.Type()), 1)
	m.SetMapIndex(k, v)
	return m.MapIndex(k)
}

// stdKey is the Exports key of a standard library package.
func stdKey(importPath string) string {
	if k, ok := stdKeys[importPath]; ok {
		return k
	}
	return key(importPath, path.Base(importPath))
}
