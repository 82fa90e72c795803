// Package skeleton writes the files of a new script plugin, for
// `go-runner new NAME`: NAME.go, a small working plugin registered as
// NAME, and NAME_test.go, its table test with package plugintest, run
// compiled and interpreted.
//
// The contract: in a directory of scripts whose Go module requires
// github.com/go-runner/go-runner, the two files pass `go-runner check`,
// `go vet` and `go test` as written. Write never overwrites a file and
// refuses a name whose Go identifiers the directory's package already
// declares, so that the package still compiles. The file names avoid
// suffixes that Go reads as build constraints (_test, _linux, _amd64...):
// such a file would be skipped without a word.
package skeleton
