package interp

import (
	"path/filepath"
	"testing"
)

// BenchmarkLoadUnit measures loading scripts/say.go into a new interpreter:
// read, sandbox checks, type check and rewrite, evaluation.
func BenchmarkLoadUnit(b *testing.B) {
	path := filepath.Join("..", "scripts", "say.go")
	b.ReportAllocs()
	for b.Loop() {
		u, err := LoadUnit(Config{}, path)
		if err != nil {
			b.Fatal(err)
		}
		u.Close()
	}
}
