// Package sdk holds the public API of go-runner for plugin authors.
//
// The same packages serve two kinds of plugins:
//
//   - script plugins: plain .go files under the scripts directory, interpreted
//     by yaegi at load time (see package interp and package bridge);
//   - compiled plugins: ordinary Go packages linked into a binary that calls
//     runner.Run (see package runner).
//
// The API mirrors github.com/apache/apisix-go-plugin-runner v0.5.0 (pkg/plugin,
// pkg/http, pkg/log, pkg/runner), so plugins written for it keep working.
// Package prepared is go-runner's own: replies and edits built once in
// ParseConf and applied with one call, the fast style for scripts.
package sdk
