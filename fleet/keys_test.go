package fleet

import "testing"

func TestSplitKey(t *testing.T) {
	const p = "/go-runner/scripts/"
	tests := []struct {
		key        string
		unit, file string
		ok         bool
	}{
		{key: p + "say.go", unit: "say.go", file: "say.go", ok: true},
		{key: p + "folder/a.go", unit: "folder", file: "folder/a.go", ok: true},
		{key: p + "folder/sub/a.go"},  // deeper than a unit
		{key: p + "say_test.go"},      // tests are not loaded
		{key: p + "folder/a_test.go"}, // nor in a folder
		{key: p + ".pushed"},          // the push record
		{key: p + "_off.go"},          // skipped as go build skips it
		{key: p + ".hidden/a.go"},     // a skipped folder
		{key: p + "testdata/a.go"},    // testdata is no unit
		{key: p + "readme.md"},        // not Go
		{key: p + "folder/"},          // no file
		{key: "/other/say.go"},        // outside the prefix
		{key: p},                      // the prefix itself
		{key: p + "folder/.a.go"},     // a skipped file in a folder
		{key: p + "f/b.go", unit: "f", file: "f/b.go", ok: true},
	}
	for _, tc := range tests {
		unit, file, ok := splitKey(p, tc.key)
		if unit != tc.unit || file != tc.file || ok != tc.ok {
			t.Errorf("splitKey(%q) = %q, %q, %v; want %q, %q, %v", tc.key, unit, file, ok, tc.unit, tc.file, tc.ok)
		}
	}
}

func TestSetOf(t *testing.T) {
	const p = "/s/"
	set := setOf(p, map[string][]byte{
		p + "say.go": []byte("a"), p + "f/a.go": []byte("b"), p + "f/b.go": []byte("c"), p + ".pushed": []byte("{}"),
	})
	if got := set.Names(); len(got) != 2 || got[0] != "f" || got[1] != "say.go" {
		t.Fatalf("units %q, want [f say.go]", got)
	}
	if got := set["f"].Files(); len(got) != 2 || got[0] != "f/a.go" || got[1] != "f/b.go" {
		t.Fatalf("files of f %q", got)
	}
	if !set["f"].equal(Unit{"f/a.go": []byte("b"), "f/b.go": []byte("c")}) || set["f"].equal(Unit{"f/a.go": []byte("b")}) {
		t.Fatal("equal compares the wrong things")
	}
}
