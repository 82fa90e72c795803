//go:build !race

package tests

// raceEnabled: the tests run without the race detector.
const raceEnabled = false
