package protocol

import "net/http"

// responseWriter is the http.ResponseWriter of a request call. Anything
// written to it (status, header or body) stops the chain and becomes the
// Stop action answered to the client.
type responseWriter struct {
	status int
	hdr    http.Header
	body   []byte
	sc     encScratch
}

var _ http.ResponseWriter = (*responseWriter)(nil)

func (w *responseWriter) reset() {
	w.status, w.body = 0, w.body[:0]
	if cap(w.body) > maxKeptBuf {
		w.body = nil
	}
	// A new map per call: a plugin may have kept the last one.
	w.hdr = nil
}

func (w *responseWriter) Header() http.Header {
	if w.hdr == nil {
		w.hdr = make(http.Header)
	}
	return w.hdr
}

func (w *responseWriter) Write(b []byte) (int, error) {
	w.body = append(w.body, b...)
	return len(b), nil
}

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) written() bool {
	return w.status != 0 || len(w.body) > 0 || len(w.hdr) > 0
}
