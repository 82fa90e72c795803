package client

import "time"

// The rules below are how APISIX's ext-plugin client (apisix/plugins/
// ext-plugin/init.lua) talks to a runner; this package follows each of them,
// and the place that does is named in brackets.
//
// Wire
//   - A frame is 1 byte type, 3 bytes big-endian body length, then a
//     flatbuffers body of ext-plugin.fbs (ext-plugin-proto v0.6.1). Header and
//     body go out in one write. [frame.go]
//   - Types: 0 RPC_ERROR, 1 PREPARE_CONF, 2 HTTP_REQ_CALL, 3 EXTRA_INFO,
//     4 HTTP_RESP_CALL. [frame.go]
//   - The largest body is 2^24-1 bytes both ways: a larger request is refused
//     before anything is sent (ErrFrameTooLarge). [frame.go]
//   - RPC_ERROR carries Err.Resp{code}: BAD_REQUEST, SERVICE_UNAVAILABLE or
//     CONF_TOKEN_NOT_FOUND, no message. [RPCError]
//
// Connections and timing
//   - Connect timeout 1 s; every send and every read 60 s. [DefaultConnectTimeout,
//     DefaultIOTimeout, Conn]
//   - One call in flight per connection; a connection that completed its
//     call cleanly goes back to a keepalive pool of at most 32 idle
//     connections, each kept 180 s; the pool hands out the most recently
//     returned one, and when full drops the oldest. Any failure (I/O, RPC
//     error, unexpected frame) closes the connection instead. [Client, pool.go]
//   - While a call's connection is open, PrepareConf is sent on a SECOND
//     connection, under one lock shared by all callers, and the cache is
//     checked again once the lock is held. [Client.token]
//
// Conf tokens
//   - PrepareConf.Req{key, conf: [{name, value}]} with key
//     "route#<id>#<plugin>#<conf_version>" (ConfKey); the same key should
//     give the same token. The token is cached by key for
//     APISIX_CONF_EXPIRE_TIME (3600 s by default). [Client, Options.TokenTTL]
//   - On CONF_TOKEN_NOT_FOUND every cached token is flushed, the conf is
//     prepared again and the call retried: 3 tries in total. Any other error
//     ends the call (APISIX answers 503 or skips the plugin). [Client.ReqCall]
//
// What a call carries
//   - HTTPReqCall: path is the decoded URI without the query; src_ip is 4 or
//     16 bytes; method is the protocol's enum (other methods never reach the
//     runner: ErrBadMethod). [Encoder.ReqCall]
//   - Args: "b" without "=" has no value (KV.NoValue), "c=" has the empty
//     string; a repeated name is repeated. [Encoder.ReqCall]
//   - Header names are lower-cased; at most 100 headers are sent, the rest
//     are dropped silently. HTTPRespCall carries the upstream's headers the
//     same way. [Encoder, MaxHeaders]
//   - While a call is in flight the runner may send EXTRA_INFO requests; each
//     is answered with ExtraInfo.Resp{result}: Var from the variables (an
//     unknown one has no result), ReqBody with the request body, RespBody
//     with the response body (only in post-resp). Any other info type fails
//     the call. [Conn, Extra]
//
// What APISIX makes of the reply
//   - Stop: status 0 is 200 (Stop.Status); header names are lower-cased and
//     a repeated name adds a value.
//   - Rewrite: a header or arg entry without a value deletes it; "host" also
//     sets the upstream Host; resp_headers in IgnoredRespHeaders are
//     ignored; an empty body cannot be expressed.
//   - HTTPRespCall reply: when it carries headers the client gets exactly
//     those; when it carries none the client gets the upstream's headers
//     minus IgnoredRespHeaders (RespResult.ClientHeaders). Status 0 keeps the
//     upstream status.

// Defaults taken from APISIX.
const (
	DefaultConnectTimeout = time.Second
	DefaultIOTimeout      = 60 * time.Second
	DefaultMaxIdle        = 32
	DefaultIdleTimeout    = 180 * time.Second
	DefaultTries          = 3
	DefaultTokenTTL       = 3600 * time.Second
	// MaxHeaders is how many request headers APISIX reads and forwards.
	MaxHeaders = 100
	// DefaultMaxExtraTrips bounds the ExtraInfo round trips of one call, so
	// that a runner looping on ExtraInfo cannot hang a test. APISIX has no
	// such bound.
	DefaultMaxExtraTrips = 1 << 16
)

// IgnoredRespHeaders are the response header names APISIX does not take
// from a runner's Rewrite.resp_headers, nor copy from the upstream when an
// HTTPRespCall reply carries no headers.
var IgnoredRespHeaders = []string{
	"connection", "content-length", "transfer-encoding", "location", "server",
	"www-authenticate", "content-encoding", "content-type", "content-location",
	"content-language",
}
