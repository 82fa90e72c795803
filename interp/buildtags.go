package interp

import (
	"go/ast"
	"go/build"
	"io"
	"runtime"
	"strconv"
	"strings"
)

// The interpreter skips, without error, the files whose name or "+build"
// lines do not match (yaegi honours "// +build", not "//go:build"); the type
// check skips the same files, so that it checks the package the interpreter
// builds.

// interpreterSkips reports whether the interpreter skips file name, parsed
// as f. inFolder: the file is one of a folder unit's (yaegi's name rules
// apply to those only).
func interpreterSkips(name string, f *ast.File, inFolder bool) bool {
	if inFolder && !nameMatches(name) {
		return true
	}
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, line := range strings.Split(strings.TrimSpace(g.Text()), "\n") {
			if opts, ok := strings.CutPrefix(line, "+build "); ok && !plusBuildMatches(opts) {
				return true
			}
		}
	}
	return false
}

// nameMatches applies the _GOOS, _GOARCH and _GOOS_GOARCH file name rules.
func nameMatches(name string) bool {
	ctx := build.Default
	ctx.OpenFile = func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("package p\n")), nil }
	ok, err := ctx.MatchFile(".", name[strings.LastIndex(name, "/")+1:])
	return err != nil || ok
}

// plusBuildMatches evaluates the options of one "+build" line: any option
// whose comma-separated tags all hold.
func plusBuildMatches(opts string) bool {
	for _, o := range strings.Fields(opts) {
		all := true
		for _, t := range strings.Split(o, ",") {
			if !tagHolds(t) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// tagHolds is yaegi's rule for one tag: GOOS, GOARCH or a go1.N release
// not newer than the running Go's, possibly negated.
func tagHolds(t string) bool {
	not := strings.HasPrefix(t, "!")
	t = strings.TrimPrefix(t, "!")
	ok := t == runtime.GOOS || t == runtime.GOARCH
	if minor, found := strings.CutPrefix(t, "go1."); found {
		n, err := strconv.Atoi(minor)
		ok = err == nil && n <= goMinor()
	}
	return ok != not
}

// goMinor is the minor version of the Go running, from its release tags.
func goMinor() int {
	tags := build.Default.ReleaseTags
	n, _ := strconv.Atoi(strings.TrimPrefix(tags[len(tags)-1], "go1."))
	return n
}
