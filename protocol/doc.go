// Package protocol serves APISIX's ext-plugin RPC on a unix socket.
//
// # Wire format
//
// Every message, in both directions, is one frame:
//
//	+--------+------------------------------+---------------------------+
//	| type   | length (24-bit big-endian)   | body (length bytes)       |
//	| 1 byte | 3 bytes                      | flatbuffers, 0..2^24-1    |
//	+--------+------------------------------+---------------------------+
//
// The body is a flatbuffers table of the schema ext-plugin.fbs
// (github.com/api7/ext-plugin-proto v0.6.1). Types:
//
//	0 RPC_ERROR       runner -> APISIX   A6.Err.Resp{code}
//	1 PREPARE_CONF    both ways          A6.PrepareConf.Req{key, conf} / Resp{conf_token}
//	2 HTTP_REQ_CALL   both ways          A6.HTTPReqCall.Req / Resp{id, action: Stop|Rewrite}
//	3 EXTRA_INFO      runner -> APISIX   A6.ExtraInfo.Req{info: Var|ReqBody|RespBody}
//	                  APISIX -> runner   A6.ExtraInfo.Resp{result}
//	4 HTTP_RESP_CALL  both ways          A6.HTTPRespCall.Req / Resp
//
// A connection carries one call at a time and is kept alive for the next.
// During an HTTP_REQ_CALL or HTTP_RESP_CALL the runner may send any number
// of EXTRA_INFO requests on the same connection, each answered by APISIX
// before the runner sends its final reply.
//
// A body of 2^24 bytes or more cannot be framed: such a reply is replaced by
// an RPC_ERROR frame. An unknown or expired conf token is answered with
// RPC_ERROR code CONF_TOKEN_NOT_FOUND, on which APISIX prepares the conf
// again and retries.
//
// # Data path
//
// server.go accepts connections; conn.go reads a frame (frame.go), decodes it
// (decode.go), looks the conf token up (confcache.go), runs the plugin chain
// (chain.go) on the request or response (request.go, response.go), which
// plugins see through views that die with their call (views.go), builds
// the reply (encode.go) and writes it in one system call.
//
// Beside it: extrainfo.go asks APISIX for variables and bodies mid-call;
// supervised.go is what a supervisor needs of a worker's server (prepared
// confs handed over with their tokens, the plugin each connection runs,
// the calls stuck past their deadline); handover.go passes connections to
// another process between two frames;
// watchdog.go is the one goroutine that enforces plugin deadlines, and
// stuck.go answers for a call blocked past its deadline in compiled code
// (the connection is then closed); panics.go logs a plugin's panic as one
// line, with the script's position, and the same panic once a minute;
// Server.Rebind (server.go) and Server.Retire (retire.go) swap in a new set
// of plugins after a reload, keeping conf tokens; env.go reads what APISIX
// sets in the environment.
package protocol
