//go:build race

package interp

// raceEnabled: the tests run under the race detector.
const raceEnabled = true
