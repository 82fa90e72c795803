//go:build !race

package interp

// raceEnabled: the tests run without the race detector.
const raceEnabled = false
