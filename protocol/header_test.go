package protocol

import (
	"net/http"
	"net/textproto"
	"reflect"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
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

// TestRespHeaderVector checks the response header list made from the
// frame's entries (respHeaderVector) against the header view: the same
// names with the same values in the same order per name.
func TestRespHeaderVector(t *testing.T) {
	upstream := []kv{
		{name: "content-type", value: "text/plain"}, {name: "set-cookie", value: "a=1"}, {name: "date", value: "d"},
		{name: "set-cookie", value: "b=2"}, {name: "X-Mixed", value: "m"}, {name: "server", value: "s"},
	}
	type op struct {
		del        bool
		key, value string
	}
	for _, tc := range []struct {
		name string
		ops  []op
	}{
		{"set new", []op{{key: "X-New", value: "1"}}},
		{"set existing", []op{{key: "Date", value: "e"}}},
		{"set repeated name", []op{{key: "set-cookie", value: "c=3"}}},
		{"delete repeated name", []op{{del: true, key: "Set-Cookie"}}},
		{"delete then set", []op{{del: true, key: "server"}, {key: "Server", value: "t"}}},
		{"several", []op{{key: "z-last", value: "z"}, {key: "a-first", value: "a"}, {del: true, key: "x-mixed"}, {del: true, key: "absent"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			if err := decodeRespCall(respMsg(1, 1, 200, upstream), &r.fb); err != nil {
				t.Fatal(err)
			}
			r.reset(nil)
			for _, o := range tc.ops {
				if o.del {
					r.hdr.Del(o.key)
				} else {
					r.hdr.Set(o.key, o.value)
				}
			}
			if r.hdr.built {
				t.Fatal("the view was built")
			}
			b := flatbuffers.NewBuilder(256)
			vec := respHeaderVector(b, &r.hdr, &r.sc, false)
			hrsc.RespStart(b)
			hrsc.RespAddHeaders(b, vec)
			b.Finish(hrsc.RespEnd(b))
			got := map[string][]string{}
			m := hrsc.GetRootAsResp(b.FinishedBytes(), 0)
			var e A6.TextEntry
			for i := 0; i < m.HeadersLength(); i++ {
				m.Headers(&e, i)
				got[string(e.Name())] = append(got[string(e.Name())], string(e.Value()))
			}
			want := map[string][]string{}
			for k, vs := range r.hdr.View() {
				want[strings.ToLower(k)] = vs
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %v\nwant %v", got, want)
			}
		})
	}
}
