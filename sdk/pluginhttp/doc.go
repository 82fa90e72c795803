// Package pluginhttp describes the HTTP request and response that APISIX hands
// to a plugin: Request for the request phases (ext-plugin-pre-req and
// ext-plugin-post-req), Response for ext-plugin-post-resp, and Header, the
// change-tracking header set both use.
//
// Scripts written for the reference runner import it as
// github.com/apache/apisix-go-plugin-runner/pkg/http; the interpreter serves the
// same symbols under both paths.
package pluginhttp
