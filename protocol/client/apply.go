package client

import "strings"

// What APISIX does with a Rewrite, so that tests can assert on what the
// upstream receives rather than on the encoding.

// ApplyHeaders returns the request headers the upstream gets: each entry of
// the rewrite sets its header, replacing every value (so of a repeated
// name the last entry wins), and an entry without a value deletes it.
// Names are compared case-insensitively and lower-cased in the result.
func (rw *Rewrite) ApplyHeaders(req []KV) []KV {
	out := lowerNames(req)
	for _, e := range rw.Headers {
		name := strings.ToLower(e.Name)
		out = removeName(out, name)
		if !e.NoValue {
			out = append(out, KV{Name: name, Value: e.Value})
		}
	}
	return out
}

// ApplyArgs returns the query args the upstream gets: the first entry of a
// name replaces its values, later entries of the same name add values, and
// an entry without a value deletes the name.
func (rw *Rewrite) ApplyArgs(req []KV) []KV {
	out := append([]KV(nil), req...)
	changed := map[string]bool{}
	for _, e := range rw.Args {
		if e.NoValue {
			out = removeExact(out, e.Name)
			continue
		}
		if !changed[e.Name] {
			out = removeExact(out, e.Name)
			changed[e.Name] = true
		}
		out = append(out, KV{Name: e.Name, Value: e.Value})
	}
	return out
}

func lowerNames(kvs []KV) []KV {
	out := make([]KV, len(kvs))
	for i, kv := range kvs {
		out[i] = KV{Name: strings.ToLower(kv.Name), Value: kv.Value, NoValue: kv.NoValue}
	}
	return out
}

func removeName(kvs []KV, lower string) []KV {
	out := kvs[:0]
	for _, kv := range kvs {
		if kv.Name != lower {
			out = append(out, kv)
		}
	}
	return out
}

func removeExact(kvs []KV, name string) []KV {
	out := kvs[:0]
	for _, kv := range kvs {
		if kv.Name != name {
			out = append(out, kv)
		}
	}
	return out
}
