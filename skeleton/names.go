package skeleton

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Names are the names derived from a plugin's name.
type Names struct {
	// Plugin is the name in APISIX's conf, e.g. "api-key".
	Plugin string
	// Type is the Go type, e.g. "ApiKey"; its conf type is Type+"Conf" and
	// its test "Test"+Type.
	Type string
	// File and TestFile are the file names, e.g. "api_key.go".
	File, TestFile string
	// Package is the package clause of the files.
	Package string
}

// maxName bounds a plugin name.
const maxName = 64

var nameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*([-_][A-Za-z0-9]+)*$`)

// constraintSuffixes are the last parts of a file name Go reads as a build
// constraint (GOOS and GOARCH values, "test").
var constraintSuffixes = []string{
	"test",
	"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl",
	"netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos",
	"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle", "mips64",
	"mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x",
	"sparc", "sparc64", "wasm",
}

// NamesOf derives the names of plugin name in package pkg.
func NamesOf(name, pkg string) (Names, error) {
	if len(name) > maxName || !nameRe.MatchString(name) {
		return Names{}, fmt.Errorf("skeleton: %q: %w: want letters and digits, words joined by - or _, starting with a letter, at most %d bytes (e.g. api-key)", name, ErrBadName, maxName)
	}
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' })
	var typ strings.Builder
	for _, p := range parts {
		typ.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	base := strings.ToLower(strings.Join(parts, "_"))
	if slices.Contains(constraintSuffixes, strings.ToLower(parts[len(parts)-1])) {
		base += "_plugin"
	}
	return Names{Plugin: name, Type: typ.String(), File: base + ".go", TestFile: base + "_test.go", Package: pkg}, nil
}
