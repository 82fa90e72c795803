package skeleton

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

func TestNamesOf(t *testing.T) {
	for _, tc := range []struct {
		name, typ, file string
		err             error
	}{
		{"api-key", "ApiKey", "api_key.go", nil},
		{"say", "Say", "say.go", nil},
		{"rate_limit2", "RateLimit2", "rate_limit2.go", nil},
		{"Canary", "Canary", "canary.go", nil},
		{"smoke-test", "SmokeTest", "smoke_test_plugin.go", nil},
		{"deny-linux", "DenyLinux", "deny_linux_plugin.go", nil},
		{"x-AMD64", "XAMD64", "x_amd64_plugin.go", nil},
		{"", "", "", ErrBadName},
		{"2fa", "", "", ErrBadName},
		{"a--b", "", "", ErrBadName},
		{"a-", "", "", ErrBadName},
		{"a b", "", "", ErrBadName},
		{"../x", "", "", ErrBadName},
		{"é", "", "", ErrBadName},
		{string(bytes.Repeat([]byte("a"), maxName+1)), "", "", ErrBadName},
	} {
		n, err := NamesOf(tc.name, "p")
		if !errors.Is(err, tc.err) {
			t.Errorf("%q: err %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err == nil && (n.Type != tc.typ || n.File != tc.file || n.TestFile != tc.file[:len(tc.file)-3]+"_test.go") {
			t.Errorf("%q: %+v, want type %s file %s", tc.name, n, tc.typ, tc.file)
		}
	}
}

// TestWriteGolden compares what Write writes for api-key in an empty
// directory with testdata/.
func TestWriteGolden(t *testing.T) {
	dir := t.TempDir()
	paths, err := Write(dir, "api-key")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("wrote %v", paths)
	}
	for _, p := range paths {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", filepath.Base(p)+".golden")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (go test ./skeleton -update rewrites it):\n%s", p, golden, got)
		}
	}
}

func TestWriteRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  error
	}{
		{"file exists", map[string]string{"api_key.go": "package x\n"}, ErrExists},
		{"test file exists", map[string]string{"api_key_test.go": "package x\n"}, ErrExists},
		{"type declared", map[string]string{"other.go": "package x\n\ntype ApiKey struct{}\n"}, ErrClash},
		{"conf declared", map[string]string{"other.go": "package x\n\nvar ApiKeyConf = 1\n"}, ErrClash},
		{"test declared", map[string]string{"o_test.go": "package x\n\nfunc TestApiKey() {}\n"}, ErrClash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Write(dir, "api-key")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(tc.files) {
				t.Fatalf("%d files after a refusal, want the %d there were", len(entries), len(tc.files))
			}
		})
	}
}

// TestWriteUsesThePackage: the files join the package already there; a
// method of the same name as the type does not count as a clash.
func TestWriteUsesThePackage(t *testing.T) {
	dir := t.TempDir()
	src := "package myplugins\n\ntype T struct{}\n\nfunc (T) ApiKey() {}\n"
	if err := os.WriteFile(filepath.Join(dir, "t.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	paths, err := Write(dir, "api-key")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		if !bytes.Contains(b, []byte("\npackage myplugins\n")) && !bytes.HasPrefix(b, []byte("package myplugins\n")) {
			t.Errorf("%s is not in package myplugins:\n%s", p, b)
		}
	}
}
