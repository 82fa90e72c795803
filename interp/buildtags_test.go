package interp

import "testing"

// TestTypeCheckSkipsWhatTheInterpreterSkips: a folder's file that yaegi
// skips (a "+build" line or a file name for another system) is not
// type-checked with the others.
func TestTypeCheckSkipsWhatTheInterpreterSkips(t *testing.T) {
	u := mustLoad(t, Config{}, "folder", map[string]string{
		"folder/a.go":             echoSrc("tags"),
		"folder/gen.go":           "// +build ignore\n\npackage main\n\nfunc init() { undefinedThing() }\n",
		"folder/other_windows.go": "package scripts\n\ntype Echo struct{}\n",
	})
	if n := len(u.Specs()); n != 1 {
		t.Fatalf("%d plugins, want 1", n)
	}
}
