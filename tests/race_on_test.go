//go:build race

package tests

// raceEnabled: the tests run under the race detector, so the binaries
// under test are built with it too.
const raceEnabled = true
