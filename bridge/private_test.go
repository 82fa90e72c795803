package bridge

import (
	"net"
	"reflect"
	"testing"
	"time"
	"unicode"
)

// unitVar returns variable name of package p in a unit's exports.
func unitVar(t *testing.T, p, name string) reflect.Value {
	t.Helper()
	ex, err := Exports(nil, testHost())
	if err != nil {
		t.Fatal(err)
	}
	v, ok := ex[stdKey(p)][name]
	if !ok {
		t.Fatalf("%s.%s not exported", p, name)
	}
	return v
}

// TestPrivateVars: every unit gets its own copies of what the standard
// library's variables refer to, equal to the originals; aliases stay
// aliases within a unit.
func TestPrivateVars(t *testing.T) {
	for _, c := range []struct{ p, name string }{
		{"time", "Local"}, {"time", "UTC"}, {"encoding/base64", "StdEncoding"},
		{"unicode", "CaseRanges"}, {"unicode", "Upper"}, {"unicode", "Categories"},
		{"net", "IPv6loopback"}, {"hash/crc32", "IEEETable"}, {"encoding/xml", "HTMLEntity"},
	} {
		a, b := unitVar(t, c.p, c.name), unitVar(t, c.p, c.name)
		orig := optional(c.p)[c.name]
		if !reflect.DeepEqual(a.Interface(), orig.Interface()) {
			t.Errorf("%s.%s: the copy differs from the original", c.p, c.name)
		}
		if a.CanSet() {
			t.Errorf("%s.%s: assignable", c.p, c.name)
		}
		if sameMemory(a, orig) || sameMemory(a, b) {
			t.Errorf("%s.%s: a unit's copy shares memory with the runner's or another unit's", c.p, c.name)
		}
	}
	ex, err := Exports(nil, testHost())
	if err != nil {
		t.Fatal(err)
	}
	u := ex[stdKey("unicode")]
	if u["Upper"].Pointer() != u["Lu"].Pointer() || u["Categories"].MapIndex(reflect.ValueOf("Lu")).Pointer() != u["Lu"].Pointer() {
		t.Error("unicode.Upper, unicode.Lu and Categories[\"Lu\"] are no longer one table within a unit")
	}
	if loc := ex[stdKey("time")]["Local"].Interface().(*time.Location); loc.String() != time.Local.String() {
		t.Errorf("the unit's time.Local is %q, want %q", loc, time.Local)
	}
	// Interface variables keep their identity.
	if ex[stdKey("io")]["EOF"].Interface() != optional("io")["EOF"].Interface() {
		t.Error("io.EOF lost its identity")
	}
	_ = net.IPv6loopback
	_ = unicode.CaseRanges
}

// sameMemory reports whether two copies share their first pointer, slice
// array or map.
func sameMemory(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Pointer, reflect.Map:
		return a.Pointer() == b.Pointer()
	case reflect.Slice:
		return a.Len() > 0 && a.Pointer() == b.Pointer()
	}
	return false
}

// BenchmarkExports is the cost of one unit's symbols, private copies
// included: for a unit importing what a filter usually does, and for one
// importing every package that has variables (unicode is most of it).
func BenchmarkExports(b *testing.B) {
	for _, bc := range []struct {
		name    string
		imports []string
	}{
		{"typical", []string{"strings", "net/http", "encoding/json", "time"}},
		{"all", nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := testHost()
			h.Imports = bc.imports
			b.ReportAllocs()
			for range b.N {
				if _, err := Exports(nil, h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
