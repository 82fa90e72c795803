package bridge

import (
	"embed"
	"io/fs"
	"testing/fstest"
)

//go:embed scriptsrc/plugin.go
var pluginSource []byte

// stdSources holds the standard library packages served as interpreted
// source (see StdSourcePath): std/<name>.go.
//
//go:embed std/*.go
var stdSources embed.FS

// stdSourced are the standard library packages served from std/ instead of
// yaegi's own: its generic sources miss most of their API.
var stdSourced = []string{"cmp", "iter", "maps", "slices"}

// stdSourcePrefix is where std/ packages are served in the GOPATH.
const stdSourcePrefix = "github.com/go-runner/go-runner/bridge/std/"

// StdSourcePath returns the import path under which the interpreter finds
// the source of standard library package importPath, when the bridge serves
// it as source ("slices" -> ".../bridge/std/slices"); ok is false otherwise.
// A script's import of importPath must be rewritten to it before the
// interpreter reads the script.
func StdSourcePath(importPath string) (string, bool) {
	for _, p := range stdSourced {
		if p == importPath {
			return stdSourcePrefix + p, true
		}
	}
	return "", false
}

// SourceFS returns the interpreted packages as a GOPATH tree
// ("src/<import path>/<file>.go"): the plugin package under both
// PluginPath and RefPluginPath, and the std/ packages under their
// StdSourcePath. The interpreter is given it as its GoPath.
func SourceFS() fs.FS { return sourceFS }

var sourceFS = func() fstest.MapFS {
	m := fstest.MapFS{
		"src/" + PluginPath + "/plugin.go":    {Data: pluginSource, Mode: 0o444},
		"src/" + RefPluginPath + "/plugin.go": {Data: pluginSource, Mode: 0o444},
	}
	for _, p := range stdSourced {
		b, err := stdSources.ReadFile("std/" + p + ".go")
		if err != nil {
			panic("bridge: std source " + p + " not embedded: " + err.Error())
		}
		m["src/"+stdSourcePrefix+p+"/"+p+".go"] = &fstest.MapFile{Data: b, Mode: 0o444}
	}
	return m
}()
