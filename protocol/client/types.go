package client

import (
	"net"
	"strconv"
	"strings"
)

// KV is one name/value entry of the protocol: a query argument, a header or
// a conf entry of a reply.
type KV struct {
	Name  string
	Value string
	// NoValue marks an entry sent without a value: a query argument written
	// without "=" ("?b"), or in a Rewrite a header or argument to delete.
	NoValue bool
}

// Pair returns the entry name=value.
func Pair(name, value string) KV { return KV{Name: name, Value: value} }

// Bare returns the entry name without a value.
func Bare(name string) KV { return KV{Name: name, NoValue: true} }

// String shows the entry as name=value, or name alone when it has no value.
func (kv KV) String() string {
	if kv.NoValue {
		return kv.Name
	}
	return kv.Name + "=" + kv.Value
}

// Lookup returns the first entry of kvs named name, compared case-insensitively.
func Lookup(kvs []KV, name string) (KV, bool) {
	for _, kv := range kvs {
		if strings.EqualFold(kv.Name, name) {
			return kv, true
		}
	}
	return KV{}, false
}

// Values returns the values of every entry of kvs named name (case-insensitive).
func Values(kvs []KV, name string) []string {
	var vs []string
	for _, kv := range kvs {
		if strings.EqualFold(kv.Name, name) {
			vs = append(vs, kv.Value)
		}
	}
	return vs
}

// Conf is one entry of a PrepareConf request: a plugin name and its conf as
// the JSON string APISIX holds.
type Conf struct {
	Name  string
	Value string
}

// ConfKey returns APISIX's idempotent PrepareConf key for a route's conf:
// "route#<id>#<plugin>#<conf_version>".
func ConfKey(routeID, plugin string, confVersion int) string {
	return "route#" + routeID + "#" + plugin + "#" + strconv.Itoa(confVersion)
}

// Route is what a Client prepares: the idempotent key and the plugin chain.
type Route struct {
	Key  string
	Conf []Conf
}

// ReqCall describes an HTTPReqCall request as APISIX builds it.
type ReqCall struct {
	ID uint32
	// SrcIP is the client address; nil is sent as 127.0.0.1 (APISIX always
	// has one). IPv4 addresses go out as 4 bytes, others as 16.
	SrcIP net.IP
	// Method is an HTTP method of the protocol's enum; "" is GET.
	Method string
	// Path is the decoded path, without the query string.
	Path string
	// Args in order; a repeated name is repeated.
	Args []KV
	// Headers in order; names are lower-cased and only the first MaxHeaders
	// are sent.
	Headers   []KV
	ConfToken uint32
}

// RespCall describes an HTTPRespCall request: the upstream's response.
type RespCall struct {
	ID     uint32
	Status int
	// Headers of the upstream response; lower-cased, at most MaxHeaders.
	Headers   []KV
	ConfToken uint32
}

// Action is what the runner answered to an HTTPReqCall.
type Action uint8

// Actions of a ReqResult.
const (
	// ActionNone is the empty reply: APISIX goes on unchanged.
	ActionNone Action = iota
	ActionStop
	ActionRewrite
)

func (a Action) String() string {
	switch a {
	case ActionNone:
		return "none"
	case ActionStop:
		return "stop"
	case ActionRewrite:
		return "rewrite"
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

// Stop is the runner answering the client directly.
type Stop struct {
	// Status as APISIX uses it: 0 on the wire reads as 200.
	Status int
	// WireStatus is the status field as sent.
	WireStatus uint16
	Headers    []KV
	Body       []byte
}

// Rewrite is the runner changing the request before it goes upstream.
type Rewrite struct {
	Path    string
	HasPath bool
	// Headers to set; an entry with NoValue deletes the header.
	Headers []KV
	// Args to set; an entry with NoValue deletes the argument.
	Args        []KV
	RespHeaders []KV
	Body        []byte
	HasBody     bool
}

// ReqResult is the decoded reply to an HTTPReqCall. Its slices are reused by
// the next decode into it.
type ReqResult struct {
	ID      uint32
	Action  Action
	Stop    Stop
	Rewrite Rewrite
	// Trips counts the ExtraInfo round trips of the call.
	Trips int
}

// RespResult is the decoded reply to an HTTPRespCall. Its slices are reused
// by the next decode into it.
type RespResult struct {
	ID uint32
	// Status 0 keeps the upstream status.
	Status  int
	Headers []KV
	Body    []byte
	HasBody bool
	// Trips counts the ExtraInfo round trips of the call.
	Trips int
}

// Empty reports whether the reply changes nothing.
func (r *RespResult) Empty() bool {
	return r.Status == 0 && len(r.Headers) == 0 && !r.HasBody
}

// ClientHeaders returns the headers the HTTP client receives, given the
// upstream's: exactly the reply's when it carries any, otherwise the
// upstream's minus IgnoredRespHeaders.
func (r *RespResult) ClientHeaders(upstream []KV) []KV {
	if len(r.Headers) > 0 {
		return r.Headers
	}
	var out []KV
	for _, kv := range upstream {
		if !ignoredRespHeader(kv.Name) {
			out = append(out, kv)
		}
	}
	return out
}

func ignoredRespHeader(name string) bool {
	for _, n := range IgnoredRespHeaders {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
