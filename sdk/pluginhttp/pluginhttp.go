package pluginhttp

import (
	"context"
	"net"
	"net/http"
	"net/url"
)

// Request is the HTTP request APISIX is processing. Changes made through it
// (SetPath, Header, Args, SetBody, RespHeader) are sent back to APISIX as one
// rewrite when no plugin of the chain answers the client directly.
type Request interface {
	// ID is APISIX's id for this call; it is recycled and only good for logs.
	ID() uint32
	// SrcIP is the client's address.
	SrcIP() net.IP
	// Method is the HTTP method, e.g. "GET".
	Method() string
	// Path is the decoded path, without the query string.
	Path() []byte
	// SetPath replaces the path sent upstream.
	SetPath([]byte)
	// Header is the request header set; changes are forwarded upstream.
	Header() Header
	// Args is the decoded query; changes to the returned map are forwarded upstream.
	Args() url.Values
	// Var returns an nginx or APISIX variable (e.g. "remote_addr"). The runner
	// asks APISIX for it on first use and caches it for the call.
	Var(name string) ([]byte, error)
	// Body returns the request body, fetched from APISIX on first use.
	Body() ([]byte, error)
	// SetBody replaces the request body sent upstream.
	SetBody([]byte)
	// Context carries the deadline of the plugin call.
	Context() context.Context
	// RespHeader holds headers to add to the client's response. APISIX ignores
	// connection, content-length, transfer-encoding, location, server,
	// www-authenticate, content-encoding, content-type, content-location and
	// content-language here.
	RespHeader() http.Header
}

// Response is the upstream's response in ext-plugin-post-resp.
type Response interface {
	// ID is APISIX's id for this call.
	ID() uint32
	// StatusCode is the status that will be sent to the client.
	StatusCode() int
	// Header is the response header set; when it changes, the complete set is
	// sent back so that no upstream header is lost.
	Header() Header
	// Var returns an nginx or APISIX variable, fetched from APISIX on first use.
	Var(name string) ([]byte, error)
	// ReadBody returns the upstream's response body, fetched on first use.
	ReadBody() ([]byte, error)
	// Write replaces the body sent to the client (appending on repeated calls).
	Write(b []byte) (int, error)
	// WriteHeader replaces the status code; the first call wins.
	WriteHeader(statusCode int)
}

// Header is the subset of http.Header the runner tracks changes on. Names are
// case-insensitive.
type Header interface {
	// Set replaces every value of key with value.
	Set(key, value string)
	// Add appends value to key.
	Add(key, value string)
	// Get returns the first value of key, or "".
	Get(key string) string
	// Del removes key.
	Del(key string)
	// View returns the current headers for reading; writes to it are not tracked.
	View() http.Header
}
