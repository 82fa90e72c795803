package protocol

import (
	"net/http"
	"net/textproto"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
)

// header is a pluginhttp.Header that remembers which names were changed, so
// that only those are sent back. It is built from the wire entries on first
// use.
type header struct {
	h     http.Header
	dirty map[string]struct{} // canonical names changed by a plugin
	built bool
	src   entrySource // the frame's entries, read on first use
}

// entrySource is a message with a header vector.
type entrySource interface {
	HeadersLength() int
	Headers(obj *A6.TextEntry, j int) bool
}

func (h *header) reset(src entrySource) {
	h.h, h.dirty, h.built, h.src = nil, nil, false, src
}

func (h *header) view() http.Header {
	if !h.built {
		h.built = true
		h.h = make(http.Header)
		if h.src != nil {
			var e A6.TextEntry
			for i, n := 0, h.src.HeadersLength(); i < n; i++ {
				if h.src.Headers(&e, i) {
					k := textproto.CanonicalMIMEHeaderKey(string(e.Name()))
					h.h[k] = append(h.h[k], string(e.Value()))
				}
			}
		}
	}
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

func (h *header) Set(key, value string) {
	hv := h.view()
	hv[h.touch(key)] = []string{value}
}

func (h *header) Add(key, value string) {
	hv := h.view()
	k := h.touch(key)
	hv[k] = append(hv[k], value)
}

func (h *header) Del(key string) {
	hv := h.view()
	delete(hv, h.touch(key))
}

func (h *header) Get(key string) string { return h.view().Get(key) }

func (h *header) View() http.Header { return h.view() }

func (h *header) changed() bool { return len(h.dirty) > 0 }
