package protocol

import (
	"net/http"
	"net/textproto"
	"strings"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
)

// header is a pluginhttp.Header that remembers which names were changed, so
// that only those are sent back. Most plugins only set or delete a few
// headers, or read one: those work on the frame's entries directly. The
// whole http.Header is built from the entries only when a plugin needs it
// (View, Add), or when a response reply must carry the complete set.
type header struct {
	h     http.Header // the complete view, once built
	built bool
	// pending holds Set and Del made before the view was built: canonical
	// name to its values, nil for a deleted name. view applies them.
	pending map[string][]string
	dirty   map[string]struct{} // canonical names changed by a plugin
	src     entrySource         // the frame's entries
}

// entrySource is a message with a header vector.
type entrySource interface {
	HeadersLength() int
	Headers(obj *A6.TextEntry, j int) bool
}

func (h *header) reset(src entrySource) {
	*h = header{src: src}
}

// maxStackEntries is how many entries view indexes without allocating; APISIX
// sends at most 100 headers.
const maxStackEntries = 128

func (h *header) view() http.Header {
	if h.built {
		return h.h
	}
	h.built = true
	n := 0
	if h.src != nil {
		n = h.src.HeadersLength()
	}
	h.h = make(http.Header, n+len(h.pending))
	if n > 0 {
		// All values share one string and one backing array of slices.
		var ends [maxStackEntries]int
		end := ends[:0]
		if n > maxStackEntries {
			end = make([]int, 0, n)
		}
		var e A6.TextEntry
		var sb strings.Builder
		total := 0
		for i := 0; i < n; i++ {
			if h.src.Headers(&e, i) {
				total += len(e.Value())
			}
		}
		sb.Grow(total)
		for i := 0; i < n; i++ {
			if h.src.Headers(&e, i) {
				sb.Write(e.Value())
			}
			end = append(end, sb.Len())
		}
		all := sb.String()
		vals := make([]string, n)
		var name [64]byte
		start := 0
		for i := 0; i < n; i++ {
			if !h.src.Headers(&e, i) {
				continue
			}
			k := canonicalName(name[:0], e.Name())
			vals[i] = all[start:end[i]]
			start = end[i]
			if vs, ok := h.h[k]; ok {
				h.h[k] = append(vs, vals[i])
			} else {
				h.h[k] = vals[i : i+1 : i+1]
			}
		}
	}
	for k, vs := range h.pending {
		if vs == nil {
			delete(h.h, k)
		} else {
			h.h[k] = vs
		}
	}
	h.pending = nil
	return h.h
}

func (h *header) touch(key string) string {
	k := textproto.CanonicalMIMEHeaderKey(key)
	if h.dirty == nil {
		h.dirty = make(map[string]struct{}, 4)
	}
	h.dirty[k] = struct{}{}
	return k
}

// setPending records a Set (values) or a Del (nil) made before the view is
// built.
func (h *header) setPending(k string, vs []string) {
	if h.pending == nil {
		h.pending = make(map[string][]string, 4)
	}
	h.pending[k] = vs
}

func (h *header) Set(key, value string) {
	k := h.touch(key)
	if h.built {
		h.h[k] = []string{value}
		return
	}
	h.setPending(k, []string{value})
}

func (h *header) Add(key, value string) {
	hv := h.view()
	k := h.touch(key)
	hv[k] = append(hv[k], value)
}

func (h *header) Del(key string) {
	k := h.touch(key)
	if h.built {
		delete(h.h, k)
		return
	}
	h.setPending(k, nil)
}

// Get returns the first value of key. Before the view is built it looks at
// the changes made so far and then at the frame's entries, without building
// the view.
func (h *header) Get(key string) string {
	if h.built {
		return h.h.Get(key)
	}
	k := textproto.CanonicalMIMEHeaderKey(key)
	if vs, ok := h.pending[k]; ok {
		if len(vs) == 0 {
			return ""
		}
		return vs[0]
	}
	if h.src == nil {
		return ""
	}
	var e A6.TextEntry
	var name [64]byte
	for i, n := 0, h.src.HeadersLength(); i < n; i++ {
		if h.src.Headers(&e, i) && canonicalName(name[:0], e.Name()) == k {
			return string(e.Value())
		}
	}
	return ""
}

func (h *header) View() http.Header { return h.view() }

func (h *header) changed() bool { return len(h.dirty) > 0 }

// values returns the current values of the canonical name k, for encoding
// the changed headers.
func (h *header) values(k string) []string {
	if h.built {
		return h.h[k]
	}
	return h.pending[k]
}

// canonicalName returns the canonical form of a header name from the wire,
// as textproto.CanonicalMIMEHeaderKey does, using buf as scratch. Common
// names come from a table and cost no allocation.
func canonicalName(buf []byte, name []byte) string {
	upper := true
	for _, c := range name {
		if !isTokenByte(c) {
			return string(name) // left as is, like textproto
		}
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		buf = append(buf, c)
		upper = c == '-'
	}
	if s, ok := commonNames[string(buf)]; ok {
		return s
	}
	return string(buf)
}

// isTokenByte reports whether c may appear in a header name (RFC 9110 tchar).
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// commonNames interns the canonical names of the headers most requests and
// responses carry.
var commonNames = func() map[string]string {
	m := make(map[string]string)
	for _, s := range []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
		"Access-Control-Allow-Origin", "Age", "Authorization", "Cache-Control", "Connection",
		"Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length",
		"Content-Type", "Cookie", "Date", "Etag", "Expires", "Forwarded", "Host", "If-Match",
		"If-Modified-Since", "If-None-Match", "Keep-Alive", "Last-Modified", "Link", "Location",
		"Origin", "Pragma", "Range", "Referer", "Server", "Set-Cookie", "Strict-Transport-Security",
		"Te", "Traceparent", "Tracestate", "Transfer-Encoding", "Upgrade", "User-Agent", "Vary",
		"Via", "Www-Authenticate", "X-Content-Type-Options", "X-Forwarded-For", "X-Forwarded-Host",
		"X-Forwarded-Port", "X-Forwarded-Proto", "X-Frame-Options", "X-Real-Ip", "X-Request-Id",
	} {
		m[s] = s
	}
	return m
}()
