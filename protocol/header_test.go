package protocol

import (
	"net/http"
	"net/textproto"
	"reflect"
	"testing"
)

func TestCanonicalName(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"common lower", "content-type"}, {"common canonical", "Content-Type"}, {"upper", "X-FORWARDED-FOR"},
		{"uncommon", "x-b3-traceid"}, {"digits", "x-1-2"}, {"leading dash", "-abc"}, {"double dash", "a--b"},
		{"empty", ""}, {"space", "bad name"}, {"colon", "a:b"}, {"non-ascii", "x-é"}, {"token symbols", "a!#$%&'*+.^_`|~z"},
		{"long", "x-a-very-long-header-name-that-does-not-fit-in-sixty-four-bytes-of-scratch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf [64]byte
			if got, want := canonicalName(buf[:0], []byte(tc.in)), textproto.CanonicalMIMEHeaderKey(tc.in); got != want {
				t.Fatalf("canonicalName(%q) = %q, textproto says %q", tc.in, got, want)
			}
		})
	}
}

func FuzzCanonicalName(f *testing.F) {
	f.Add("content-type")
	f.Add("X-weird Name")
	f.Fuzz(func(t *testing.T, in string) {
		var buf [64]byte
		if got, want := canonicalName(buf[:0], []byte(in)), textproto.CanonicalMIMEHeaderKey(in); got != want {
			t.Fatalf("canonicalName(%q) = %q, textproto says %q", in, got, want)
		}
	})
}

// TestHeaderOps checks the header against a plain http.Header built from the
// same entries: after every sequence of changes, Get, View, the changed
// names and their values must agree, whether or not the view was built
// before the changes.
func TestHeaderOps(t *testing.T) {
	entries := []kv{
		{name: "host", value: "a.example"}, {name: "accept", value: "*/*"}, {name: "x-multi", value: "1"},
		{name: "x-multi", value: "2"}, {name: "cookie", value: "c=d"}, {name: "X-Mixed-CASE", value: "m"},
	}
	type op struct{ kind, key, value string }
	for _, tc := range []struct {
		name string
		ops  []op
	}{
		{"read only", []op{{"get", "Host", ""}, {"get", "x-multi", ""}, {"get", "missing", ""}}},
		{"set new", []op{{"set", "X-New", "v"}, {"get", "x-new", ""}}},
		{"set existing", []op{{"set", "accept", "text/html"}, {"get", "Accept", ""}}},
		{"set twice", []op{{"set", "a", "1"}, {"set", "A", "2"}}},
		{"del", []op{{"del", "Cookie", ""}, {"get", "cookie", ""}}},
		{"del then set", []op{{"del", "host", ""}, {"set", "Host", "b.example"}}},
		{"set then del", []op{{"set", "x-new", "v"}, {"del", "X-New", ""}}},
		{"add", []op{{"add", "x-multi", "3"}, {"get", "X-Multi", ""}}},
		{"set then add", []op{{"set", "x-multi", "only"}, {"add", "x-multi", "more"}}},
		{"del then add", []op{{"del", "accept", ""}, {"add", "accept", "a/b"}}},
		{"view then set", []op{{"view", "", ""}, {"set", "host", "c"}, {"del", "cookie", ""}, {"get", "host", ""}}},
		{"mixed case entry", []op{{"get", "x-mixed-case", ""}, {"set", "x-mixed-case", "n"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r request
			if err := decodeReqCall(reqMsg{path: "/", headers: entries}.bytes(), &r.fb); err != nil {
				t.Fatal(err)
			}
			r.reset(nil)
			h := &r.hdr
			model := http.Header{}
			for _, e := range entries {
				model.Add(e.name, e.value)
			}
			changed := map[string]bool{}
			for i, o := range tc.ops {
				k := textproto.CanonicalMIMEHeaderKey(o.key)
				switch o.kind {
				case "get":
					if got, want := h.Get(o.key), model.Get(o.key); got != want {
						t.Fatalf("op %d: Get(%q) = %q, want %q", i, o.key, got, want)
					}
				case "view":
					_ = h.View()
				case "set":
					h.Set(o.key, o.value)
					model.Set(o.key, o.value)
					changed[k] = true
				case "add":
					h.Add(o.key, o.value)
					model.Add(o.key, o.value)
					changed[k] = true
				case "del":
					h.Del(o.key)
					model.Del(o.key)
					changed[k] = true
				}
			}
			for k := range changed {
				if got, want := h.values(k), model[k]; !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
					t.Errorf("values(%q) = %q, want %q", k, got, want)
				}
			}
			if len(h.dirty) != len(changed) {
				t.Errorf("dirty %v, want %v", h.dirty, changed)
			}
			if got := h.View(); !reflect.DeepEqual(got, model) {
				t.Errorf("View() = %v\nwant     %v", got, model)
			}
		})
	}
}

// The header of a message without headers is empty and can change.
func TestHeaderWithoutEntries(t *testing.T) {
	var r request
	if err := decodeReqCall(reqMsg{path: "/"}.bytes(), &r.fb); err != nil {
		t.Fatal(err)
	}
	r.reset(nil)
	if got := r.hdr.Get("host"); got != "" {
		t.Fatalf("Get = %q", got)
	}
	r.hdr.Set("x", "1")
	if got := r.hdr.View(); !reflect.DeepEqual(got, http.Header{"X": {"1"}}) {
		t.Fatalf("View = %v", got)
	}
}
