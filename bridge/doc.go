// Package bridge is everything a script plugin can see: the symbols each
// unit's yaegi interpreter is given, and nothing else.
//
// A script can import
//
//   - the SDK: github.com/go-runner/go-runner/sdk/{plugin,pluginhttp,pluginlog},
//     also served under the reference runner's paths
//     github.com/apache/apisix-go-plugin-runner/pkg/{plugin,http,log}, so
//     plugins written for it load unmodified;
//   - github.com/go-runner/go-runner/sdk/prepared (replies and edits made
//     once in ParseConf), under the project's path only;
//   - golang.org/x/time/rate;
//   - an allowlist of standard library packages (DefaultAllowed), built from
//     scratch out of yaegi's stdlib symbols, plus the packages config.yaml
//     opts in with sandbox.allow (see ImportAccess and CheckAllow).
//
// cmp, iter, maps and slices are served as interpreted Go source of our own
// (std/, see StdSourcePath) with Go 1.26's API, in place of yaegi's, which
// lacks most of it; a script's import of them is pointed there before the
// interpreter reads it. Surface describes all a script can see for
// go/types.
//
// pluginhttp, prepared, pluginlog and rate are extracted with `yaegi extract` (see
// generate.go; the generated files must stay current). The plugin package is
// interpreted Go source embedded here (scriptsrc/plugin.go): its
// RegisterPlugin resolves a plugin's methods once, inside the interpreter, and
// hands them as plain funcs to the unit's Host. pluginlog's functions are bound
// to the unit's own logger, so that Fatalf fails the script instead of ending
// the runner.
package bridge
