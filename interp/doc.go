// Package interp loads script plugins: each unit (one .go file directly in
// the scripts directory, or one sub-folder holding one package) gets its own
// yaegi interpreter, so that a unit that fails to load, or misbehaves later,
// never takes the others down.
//
// Loading a unit is a pure function of its source and the Config:
//
//  1. its files (*_test.go and names starting with "." or "_" are skipped)
//     and those of the helper packages it imports (LibDir, lib.go) are
//     read once, following symlinks, into a Snapshot: its name, its sum
//     and the files' bytes. LoadUnit, LoadDir and a Reloader's scan
//     read the same way, and the interpreter reads the snapshot (an
//     in-memory fs.FS), never the disk, so the bytes summed are the bytes
//     checked, proved and evaluated;
//  2. they are parsed and checked, helpers as the unit: a syntax error, an
//     import outside the sandbox (see package bridge) or of a missing
//     helper, or a go statement fails the load with its file:line:col;
//     then type-checked against exactly what scripts can see, and the Go
//     newer than the interpreter rewritten or refused (package typecheck),
//     still with file:line:col. The interpreter reads the rewritten files,
//     whose lines are the script's;
//  3. when a ProveFunc is given (ReloadConfig.Prove), it proves the
//     snapshot before this process evaluates any of it. Prober.Prove loads
//     it in a throwaway process (ServeProbe, go-runner's hidden `probe`
//     command) with the same Config: a load error there fails the load
//     with the same message, and a fatal error Go cannot recover from (an
//     unlock of an unlocked mutex, a stack overflow, out of memory), which
//     would have ended this process, ends the probe instead and fails the
//     load with ErrProbeCrashed; so does a probe killed past LoadTimeout
//     plus Prober.Grace;
//  4. a new interpreter gets the bridge's symbols and evaluates the unit,
//     whose init functions register plugins with plugin.RegisterPlugin; a
//     panic, a compile error, an init that runs past Config.LoadTimeout, or
//     no plugin at all fails the load;
//  5. every registered plugin becomes a *plugin.Spec whose methods were
//     resolved once, at registration; a call costs yaegi's entry into
//     interpreted code and nothing reflective besides.
//
// Every error names the unit ("interp: unit \"say.go\": ..."); see UnitError.
// Build merges the units' plugins with the compiled ones into one registry,
// refusing a name registered twice and naming both places.
//
// A Unit is the plugin.Guard of its specs: Interrupt stops every call in
// flight on its interpreter (loops and channel operations; not calls blocked
// inside compiled code such as time.Sleep) and leaves the unit dead, its
// specs failing fast until the unit is loaded again. Close retires a unit
// gracefully: new calls are refused, calls in flight finish, and the
// interpreter is released after the last one.
//
// Script code the standard library runs on goroutines of its own
// (time.AfterFunc and context.AfterFunc callbacks) runs through its unit,
// watched like a call, and closing or stopping a unit stops the timers and
// tickers its scripts started (callback.go). A script type implementing
// context.Context is refused at load (ctxcheck.go). A panic in a call
// becomes a PanicError with the script's position (panics.go), narrowed to
// the expression that panicked and worded as Go words it (panicsite.go).
//
// A Unit is also a protocol.Admitter: it runs at most Config.MaxConcurrent
// calls at once (limit.go), so that one unit cannot take every processor.
//
// Per unit, two goroutines stay parked while the unit is served: they hold
// the interpreter's cancellation armed (see guard.go).
//
// A Reloader owns the units served: Load loads the scripts directory, and
// Run rescans it on file changes (fsnotify, debounced), Reload (SIGHUP) and
// stopped units (CallFailed). A rescan loads the units whose content changed
// aside (proved first when ReloadConfig.Prove is set), and publishes a new
// registry only with versions that loaded and clash with nothing; a failure
// keeps the served version, is logged once, and the same content is not
// tried again. Retired units are closed once the publisher says no call can
// still enter them. Status (status.go) lists every unit it knows of: served,
// failed, stopped or held out (quarantined), with its files and content sum.
package interp
