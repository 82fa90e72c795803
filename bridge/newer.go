package bridge

import (
	"bytes"
	"net/http"
	"reflect"
	"strings"
)

// newer holds the non-generic functions that the standard library gained
// after Go 1.22 (yaegi's), served compiled from the Go that built the
// runner: the iterators of strings and bytes (a script ranges over them,
// see package interp/typecheck) and net/http's cookie parsers.
var newer = map[string]map[string]reflect.Value{
	"strings": {
		"Lines":         reflect.ValueOf(strings.Lines),
		"SplitSeq":      reflect.ValueOf(strings.SplitSeq),
		"SplitAfterSeq": reflect.ValueOf(strings.SplitAfterSeq),
		"FieldsSeq":     reflect.ValueOf(strings.FieldsSeq),
		"FieldsFuncSeq": reflect.ValueOf(strings.FieldsFuncSeq),
	},
	"bytes": {
		"Lines":         reflect.ValueOf(bytes.Lines),
		"SplitSeq":      reflect.ValueOf(bytes.SplitSeq),
		"SplitAfterSeq": reflect.ValueOf(bytes.SplitAfterSeq),
		"FieldsSeq":     reflect.ValueOf(bytes.FieldsSeq),
		"FieldsFuncSeq": reflect.ValueOf(bytes.FieldsFuncSeq),
	},
	"net/http": {
		"ParseCookie":    reflect.ValueOf(http.ParseCookie),
		"ParseSetCookie": reflect.ValueOf(http.ParseSetCookie),
	},
}

// withNewer returns syms of package p with the newer functions added.
func withNewer(p string, syms map[string]reflect.Value) map[string]reflect.Value {
	add := newer[p]
	if len(add) == 0 || syms == nil {
		return syms
	}
	out := make(map[string]reflect.Value, len(syms)+len(add))
	for n, v := range syms {
		out[n] = v
	}
	for n, v := range add {
		out[n] = v
	}
	return out
}
