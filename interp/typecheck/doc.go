// Package typecheck stands between a unit's parsed files and the
// interpreter: it type-checks them with go/types against exactly what a
// script can see, and rewrites the Go the interpreter (yaegi v0.16.1, whose
// language and standard library are Go 1.22's) cannot run.
//
// What a script sees is package bridge's: the compiled packages' symbols
// (bridge.Surface, given sandbox.allow), converted from their reflect types
// once per process, and the packages the bridge serves as interpreted
// source (the plugin package; cmp, iter, maps and slices), checked from
// that source. The checker accepts the language of the Go toolchain that
// built the runner (goVersion).
//
// Check returns every refusal, at most maxErrors, each an *Error at the
// script's file:line:col:
//
//   - a type error (ErrType), with a sentence added when the symbol is part
//     of a newer standard library than the interpreter serves;
//   - a symbol the sandbox does not serve (ErrUnavailable), e.g. http.Get;
//   - a feature that is neither run nor rewritten (ErrUnsupported), with
//     the spelling that works: a range over a function whose body returns,
//     defers or uses labels, a generic function used as a value, a generic
//     type alias, a loop variable captured and assigned in a three-clause
//     loop, an iter.Seq variable given a generic function's result.
//
// Unused variables and imports stay accepted, as the interpreter accepts
// them. Otherwise Check returns each file's bytes rewritten (rewrite.go,
// loopvar.go) without adding or removing a line, so that positions the
// interpreter reports later (compile errors, panics) are the script's.
package typecheck
