package plugintest

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Header is the pluginhttp.Header of the fakes: an http.Header whose names
// are case-insensitive, as the runner's.
type Header struct {
	h http.Header
}

var _ pluginhttp.Header = (*Header)(nil)

func newHeader() *Header { return &Header{h: make(http.Header)} }

// Set replaces every value of key with value.
func (h *Header) Set(key, value string) { h.h.Set(key, value) }

// Add appends value to key.
func (h *Header) Add(key, value string) { h.h.Add(key, value) }

// Get returns the first value of key, or "".
func (h *Header) Get(key string) string { return h.h.Get(key) }

// Del removes key.
func (h *Header) Del(key string) { h.h.Del(key) }

// View returns a copy of the headers: as in the runner, writing to it
// changes nothing.
func (h *Header) View() http.Header { return h.h.Clone() }

// Values returns every value of key.
func (h *Header) Values(key string) []string { return h.h.Values(key) }
