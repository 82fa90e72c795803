// Package testdata holds plugins of plugintest's own tests; each file is a
// script unit the tests load through the interpreter too.
package testdata
