package bridge

import (
	"reflect"
	"time"
)

// Package variables of the standard library are the runner's too: a script
// writing through one (*time.Local = ..., *base64.StdEncoding = ...,
// unicode.CaseRanges[i].Delta = ..., net.IPv6loopback[15] = 0) would change
// what every other unit and the runner see. readOnly stops assignments to
// the variables themselves; for what they refer to, each unit gets its own
// deep copies (privateVars), made when its symbols are built.
//
// A copy is deep as far as a script can reach: pointers, slices, maps,
// arrays and the exported fields of structs. Unexported fields are copied
// as they are (a script cannot name them). Interface variables (io.EOF,
// crypto/rand.Reader) are not copied: their dynamic types are unexported,
// and errors must keep their identity for == and errors.Is. Pointers shared
// between variables stay shared within a unit (unicode.Upper is
// unicode.Lu is unicode.Categories["Lu"]).

// stdVars names the variables of each standard library package whose values
// refer to memory a script could write: those privateVars copies.
var stdVars = func() map[string][]string {
	// time.Local is loaded lazily on its first use: load it now, so that
	// the copies carry the zone.
	_ = time.Local.String()
	out := make(map[string][]string)
	for p := range stdDefault {
		for n, v := range optional(p) { // unfiltered: still addressable
			if _, served := stdDefault[p][n]; served && v.CanSet() && reaches(v.Type(), 0) {
				out[p] = append(out[p], n)
			}
		}
	}
	return out
}()

// reaches reports whether a value of type t refers to memory a script could
// write through it.
func reaches(t reflect.Type, depth int) bool {
	if depth > 8 {
		return true
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return true
	case reflect.Array:
		return reaches(t.Elem(), depth+1)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() && reaches(f.Type, depth+1) {
				return true
			}
		}
	}
	return false
}

// privateVars returns syms (package importPath's symbols) with each variable
// stdVars names replaced by a read-only deep copy of its value. memo keeps
// the copies of pointers already made for the unit.
func privateVars(importPath string, syms map[string]reflect.Value, memo map[ptrKey]reflect.Value) map[string]reflect.Value {
	names := stdVars[importPath]
	if len(names) == 0 {
		return syms
	}
	orig := optional(importPath)
	out := make(map[string]reflect.Value, len(syms))
	for n, v := range syms {
		out[n] = v
	}
	for _, n := range names {
		if _, ok := out[n]; ok { // filtered packages (net) keep their picks
			out[n] = unaddressable(deepCopy(orig[n], memo))
		}
	}
	return out
}

// ptrKey identifies a pointer already copied.
type ptrKey struct {
	t reflect.Type
	p uintptr
}

// deepCopy returns a copy of v that shares nothing a script can write with
// it. The copy is a new value (not addressable through v).
func deepCopy(v reflect.Value, memo map[ptrKey]reflect.Value) reflect.Value {
	t := v.Type()
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return reflect.Zero(t)
		}
		k := ptrKey{t, v.Pointer()}
		if c, ok := memo[k]; ok {
			return c
		}
		c := reflect.New(t.Elem())
		memo[k] = c
		c.Elem().Set(deepCopy(v.Elem(), memo))
		return c
	case reflect.Slice:
		if v.IsNil() {
			return reflect.Zero(t)
		}
		c := reflect.MakeSlice(t, v.Len(), v.Len())
		if !reaches(t.Elem(), 0) {
			reflect.Copy(c, v)
			return c
		}
		for i := 0; i < v.Len(); i++ {
			c.Index(i).Set(deepCopy(v.Index(i), memo))
		}
		return c
	case reflect.Map:
		if v.IsNil() {
			return reflect.Zero(t)
		}
		c := reflect.MakeMapWithSize(t, v.Len())
		it := v.MapRange()
		for it.Next() {
			c.SetMapIndex(it.Key(), deepCopy(it.Value(), memo))
		}
		return c
	case reflect.Array:
		c := reflect.New(t).Elem()
		c.Set(v)
		if reaches(t.Elem(), 0) {
			for i := 0; i < v.Len(); i++ {
				c.Index(i).Set(deepCopy(v.Index(i), memo))
			}
		}
		return c
	case reflect.Struct:
		c := reflect.New(t).Elem()
		c.Set(v) // unexported fields as they are
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() && reaches(f.Type, 0) {
				c.Field(i).Set(deepCopy(v.Field(i), memo))
			}
		}
		return c
	}
	return v
}
