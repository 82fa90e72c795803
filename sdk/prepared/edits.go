package prepared

import (
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// pair is one name and value of an edit.
type pair struct{ k, v string }

// pairs turns m into pairs sorted by name, so that edits apply in a fixed
// order; canon makes the names canonical header names.
func pairs(m map[string]string, canon bool) []pair {
	out := make([]pair, 0, len(m))
	for k, v := range m {
		if canon {
			k = textproto.CanonicalMIMEHeaderKey(k)
		}
		out = append(out, pair{k, v})
	}
	slices.SortFunc(out, func(a, b pair) int { return strings.Compare(a.k, b.k) })
	return out
}

// Headers is a prepared set of header edits: names to set (replacing their
// values), values to add, names to delete, applied in that order. A nil
// *Headers edits nothing.
type Headers struct {
	set, add []pair
	del      []string
}

// NewHeaders prepares header edits. Any argument may be nil; names are made
// canonical.
func NewHeaders(set, add map[string]string, del []string) *Headers {
	e := &Headers{set: pairs(set, true), add: pairs(add, true), del: make([]string, len(del))}
	for i, k := range del {
		e.del[i] = textproto.CanonicalMIMEHeaderKey(k)
	}
	return e
}

// Empty reports whether the edits change nothing.
func (e *Headers) Empty() bool { return e == nil || len(e.set)+len(e.add)+len(e.del) == 0 }

// Apply makes the edits on a request's or a response's header set
// (r.Header(), w.Header() of pluginhttp).
func (e *Headers) Apply(h pluginhttp.Header) {
	if e == nil {
		return
	}
	for _, p := range e.set {
		h.Set(p.k, p.v)
	}
	for _, p := range e.add {
		h.Add(p.k, p.v)
	}
	for _, k := range e.del {
		h.Del(k)
	}
}

// ApplyHTTP makes the edits on an http.Header, such as a request's
// RespHeader() or a ResponseWriter's Header().
func (e *Headers) ApplyHTTP(h http.Header) {
	if e == nil {
		return
	}
	for _, p := range e.set {
		h[p.k] = []string{p.v}
	}
	for _, p := range e.add {
		h[p.k] = append(h[p.k], p.v)
	}
	for _, k := range e.del {
		delete(h, k)
	}
}

// Args is a prepared set of query argument edits: names to set (replacing
// their values) and names to delete. Names are case-sensitive. A nil *Args
// edits nothing.
type Args struct {
	set []pair
	del []string
}

// NewArgs prepares query argument edits; either argument may be nil.
func NewArgs(set map[string]string, del []string) *Args {
	return &Args{set: pairs(set, false), del: slices.Clone(del)}
}

// Empty reports whether the edits change nothing.
func (a *Args) Empty() bool { return a == nil || len(a.set)+len(a.del) == 0 }

// Apply makes the edits on the request's query. It does not touch the query
// (nor ask for it) when there is nothing to change.
func (a *Args) Apply(r pluginhttp.Request) {
	if a.Empty() {
		return
	}
	args := r.Args()
	for _, p := range a.set {
		args.Set(p.k, p.v)
	}
	for _, k := range a.del {
		args.Del(k)
	}
}
