package bridge

import (
	_ "embed"
	"io/fs"
	"testing/fstest"
)

//go:embed scriptsrc/plugin.go
var pluginSource []byte

// SourceFS returns the interpreted packages as a GOPATH tree
// ("src/<import path>/plugin.go"): the plugin package under both
// PluginPath and RefPluginPath. The interpreter is given it as its GoPath.
func SourceFS() fs.FS {
	return fstest.MapFS{
		"src/" + PluginPath + "/plugin.go":    {Data: pluginSource, Mode: 0o444},
		"src/" + RefPluginPath + "/plugin.go": {Data: pluginSource, Mode: 0o444},
	}
}
