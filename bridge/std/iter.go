//go:build ignore

// The iter package scripts import, as interpreted Go source (see
// ../embed.go): its two sequence types. Pull and Pull2 are not served.

package iter

// Seq is a sequence of values: it calls yield with each until yield
// returns false.
type Seq[V any] func(yield func(V) bool)

// Seq2 is a sequence of pairs of values.
type Seq2[K, V any] func(yield func(K, V) bool)
