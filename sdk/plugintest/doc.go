// Package plugintest is a test kit for plugins, in the spirit of
// net/http/httptest: fakes of what APISIX hands a plugin, and a way to run
// one table test against the plugin compiled by `go test` and against the
// same file loaded by the interpreter, as the runner loads it.
//
// The fakes:
//
//   - Request (NewRequest) is a pluginhttp.Request: method, path, query,
//     headers, variables, body, source address and id are set up front;
//     after the call it shows what the plugin changed (Path, PathChanged,
//     Header, Args, NewBody, RespHeader).
//   - ResponseRecorder (NewRecorder) is the http.ResponseWriter of the
//     request phase. As in the runner, anything written to it (a status, a
//     header or a body) answers the client and stops the chain; Answered
//     says whether the plugin did. The first WriteHeader wins.
//   - Response (NewResponse) is a pluginhttp.Response: the upstream's
//     status, headers, variables and body; after the call, what the plugin
//     wrote (Rewritten) and the status it set.
//
// A variable that was not given reads as empty, as APISIX answers for an
// unset nginx variable. Each fake serves one call; make a new one per case.
//
// The plugin under test (Plugin) is either Compiled, from a value of the
// plugin's type, or Interpreted, from the script unit that defines it (one
// .go file, or a folder): the unit is loaded by package interp with the
// sandbox and the checks of `go-runner run`, so a script that only the
// interpreter refuses fails the test. Both returns the two, for a loop:
//
//	for _, p := range plugintest.Both(t, "apikey.go", &APIKey{}) {
//		t.Run(p.Mode, func(t *testing.T) { ... })
//	}
//
// Plugins written against the reference runner's packages
// (github.com/apache/apisix-go-plugin-runner/pkg/{plugin,http}) are
// accepted too: Compiled hands them the same fakes through that package's
// interfaces, and Request.Ref and Response.Ref give those views to a test
// that calls such a plugin itself.
//
// A Plugin's methods call the plugin directly, without the runner's
// deadline (plugins.timeout): go test's -timeout bounds a runaway. A panic
// of interpreted code fails the test with the script's position.
//
// Interpreted links the interpreter into the test binary; the fakes alone
// do not need it.
package plugintest
