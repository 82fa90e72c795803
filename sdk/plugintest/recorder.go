package plugintest

import (
	"bytes"
	"net/http"
)

// ResponseRecorder is the http.ResponseWriter of a request-phase call,
// recording what the plugin answers.
type ResponseRecorder struct {
	// Code is the status the plugin set; 0 if it set none (APISIX then
	// answers 200 when the plugin wrote a header or a body).
	Code int
	// HeaderMap holds the headers the plugin set.
	HeaderMap http.Header
	// Body holds what the plugin wrote.
	Body bytes.Buffer
}

var _ http.ResponseWriter = (*ResponseRecorder)(nil)

// NewRecorder returns an empty recorder.
func NewRecorder() *ResponseRecorder { return &ResponseRecorder{HeaderMap: make(http.Header)} }

// Header returns the headers of the answer.
func (w *ResponseRecorder) Header() http.Header { return w.HeaderMap }

// Write appends to the body of the answer.
func (w *ResponseRecorder) Write(b []byte) (int, error) { return w.Body.Write(b) }

// WriteHeader sets the status of the answer; the first call wins.
func (w *ResponseRecorder) WriteHeader(status int) {
	if w.Code == 0 {
		w.Code = status
	}
}

// Answered reports whether the plugin answered the client: it wrote a
// status, a header or a body. The runner then stops the chain and APISIX
// sends this answer instead of proxying the request.
func (w *ResponseRecorder) Answered() bool {
	return w.Code != 0 || w.Body.Len() > 0 || len(w.HeaderMap) > 0
}

// Status is the status the client gets from an answer: Code, or 200 when
// the plugin answered without one.
func (w *ResponseRecorder) Status() int {
	if w.Code == 0 && w.Answered() {
		return http.StatusOK
	}
	return w.Code
}
