package prepared

import (
	"bytes"
	"strings"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Rewrite is a prepared change of the request on its way upstream: a new
// path or a prefix cut from it, header edits and query argument edits.
type Rewrite struct {
	path    []byte // nil: the path is kept, or cut by strip
	strip   []byte // without a trailing "/"; nil: nothing to cut
	headers *Headers
	args    *Args
}

// NewRewrite prepares a request rewrite. path, when not "", replaces the
// path; otherwise stripPrefix, when not "" (e.g. "/api"), is cut from the
// start of a path it begins (a path equal to it becomes "/"; "/apiv2" is
// left alone). headers and args may be nil.
func NewRewrite(path, stripPrefix string, headers *Headers, args *Args) *Rewrite {
	w := &Rewrite{headers: headers, args: args}
	switch {
	case path != "":
		w.path = []byte(path)
	case strings.TrimSuffix(stripPrefix, "/") != "":
		w.strip = []byte(strings.TrimSuffix(stripPrefix, "/"))
	}
	return w
}

// Apply rewrites r. It reads the path only to cut a prefix, and the query
// only when args change it.
func (w *Rewrite) Apply(r pluginhttp.Request) {
	switch {
	case w.path != nil:
		r.SetPath(w.path)
	case w.strip != nil:
		p := r.Path()
		switch {
		case bytes.Equal(p, w.strip):
			r.SetPath([]byte("/"))
		case bytes.HasPrefix(p, w.strip) && p[len(w.strip)] == '/':
			r.SetPath(p[len(w.strip):])
		}
	}
	if !w.headers.Empty() {
		w.headers.Apply(r.Header())
	}
	w.args.Apply(r)
}
