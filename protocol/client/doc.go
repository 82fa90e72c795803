// Package client speaks the runner protocol the way APISIX's ext-plugin client
// does (the rules it follows are written down in apisix_rules.go).
//
// It is used by the end-to-end tests, by the `go-runner try` command and by
// the load benchmark, so it imports no testing code and reuses its buffers:
//
//   - Encoder builds request bodies (PrepareConf, HTTPReqCall, HTTPRespCall,
//     ExtraInfo replies) with one reusable flatbuffers builder;
//   - Decode* read the runner's replies into caller-owned results whose
//     slices are reused from call to call;
//   - Conn is one kept-alive unix connection carrying one call at a time,
//     answering the runner's ExtraInfo requests from an ExtraProvider, with
//     raw helpers (raw.go) for malformed-input tests;
//   - Client behaves like one APISIX worker: a keepalive pool, PrepareConf on
//     a second connection, a token cache and the retry on
//     CONF_TOKEN_NOT_FOUND.
//
// The framing is implemented here again rather than imported from package
// protocol on purpose: the tests drive the server with code that shares
// nothing with it, so a framing bug cannot hide on both sides.
package client
