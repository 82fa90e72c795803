package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap"
)

// TestProfilerWritesProfiles: stop writes a CPU and a heap profile, each
// a complete gzip'd pprof file, and leaves no temporary file behind.
func TestProfilerWritesProfiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs") // created by stop
	p := startProfiles(dir, zap.NewNop())
	if !p.cpuOn {
		t.Fatal("CPU profile not started")
	}
	p.stop()
	for name, kind := range map[string]string{cpuProfileFile: "nanoseconds", memProfileFile: "inuse_space"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		checkPprof(t, name, b, kind)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 {
		t.Errorf("%d files in %s, want the 2 profiles only", len(ents), dir)
	}
}

// checkPprof checks that b is a gzip stream, as runtime/pprof writes,
// whose protobuf names the sample type kind.
func checkPprof(t *testing.T, name string, b []byte, kind string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: not gzip: %v", name, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(raw, []byte(kind)) {
		t.Fatalf("%s: %d bytes unzipped (%v), without the sample type %q", name, len(raw), err, kind)
	}
}
