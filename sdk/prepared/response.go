package prepared

import (
	"maps"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// ResponseEdit is a prepared change of the upstream's response that keeps
// its body: header edits and a mapping of statuses.
type ResponseEdit struct {
	headers *Headers
	status  map[int]int
}

// NewResponseEdit prepares a response edit. headers may be nil; status maps
// an upstream status to the one sent instead (e.g. 502 to 503) and may be
// nil.
func NewResponseEdit(headers *Headers, status map[int]int) *ResponseEdit {
	e := &ResponseEdit{headers: headers}
	if len(status) > 0 {
		e.status = maps.Clone(status)
	}
	return e
}

// Apply edits w's headers, then maps its status. It reads the status only
// when there is a mapping.
func (e *ResponseEdit) Apply(w pluginhttp.Response) {
	if !e.headers.Empty() {
		e.headers.Apply(w.Header())
	}
	if e.status == nil {
		return
	}
	if to, ok := e.status[w.StatusCode()]; ok {
		w.WriteHeader(to)
	}
}
