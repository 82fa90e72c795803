// Command example shows how a compiled plugin runner is written with the
// go-runner SDK: plugin types registered from init (say.go, rewrite.go) and
// a main that hands control to runner.Run (main.go).
//
// Build and run it as APISIX would:
//
//	go build -o /tmp/example-runner ./sdk/runner/example
//	APISIX_LISTEN_ADDRESS=unix:/tmp/runner.sock /tmp/example-runner
//
// and point a route at its plugins:
//
//	"ext-plugin-pre-req": {"conf": [
//	  {"name": "rewrite", "value": "{\"path\":\"/v2/get\",\"set_headers\":{\"X-From\":\"runner\"}}"},
//	  {"name": "say", "value": "{\"body\":\"hello\"}"}
//	]}
package main
