package main

import (
	"os"
	"runtime/debug"
)

// defaultGCPercent is the garbage collector's target when GOGC is not set.
// The runner's live heap is small (a few MB) while every interpreted plugin
// call allocates about 1.6 KB, so Go's default of 100 collects many times a
// second; 400 cut CPU per request by about 10% in the load benchmark
// (tests/bench) for a heap of about 30 MB instead of 13 MB.
const defaultGCPercent = 400

// tuneGC applies defaultGCPercent unless GOGC says otherwise.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
	}
}
