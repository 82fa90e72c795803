package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary stand in for go-runner where a command
// re-executes its own binary: `try` and `check` prove units in
// `go-runner probe` processes.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == probeCommand {
		os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
