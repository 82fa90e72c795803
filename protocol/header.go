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
	load  func(h http.Header) // fills h from the frame on first use
}

func (h *header) reset(load func(http.Header)) {
	h.h, h.dirty, h.built, h.load = nil, nil, false, load
}

func (h *header) view() http.Header {
	if !h.built {
		h.built = true
		h.h = make(http.Header)
		if h.load != nil {
			h.load(h.h)
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

// loadEntries returns a loader that copies the wire entries n into an http.Header.
func loadEntries(n int, at func(*A6.TextEntry, int) bool) func(http.Header) {
	return func(h http.Header) {
		var e A6.TextEntry
		for i := 0; i < n; i++ {
			if at(&e, i) {
				k := textproto.CanonicalMIMEHeaderKey(string(e.Name()))
				h[k] = append(h[k], string(e.Value()))
			}
		}
	}
}
