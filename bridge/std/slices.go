//go:build ignore

// The slices package scripts import, as interpreted Go source (see
// ../embed.go): the standard library's API, with each function taking a
// plain []E (a named slice type converts implicitly) so that the
// interpreter infers the element type.

package slices

import (
	cmp "github.com/go-runner/go-runner/bridge/std/cmp"
	"sort"
)

// All returns the indexes and values of s, in order.
func All[E any](s []E) func(yield func(int, E) bool) {
	return func(yield func(int, E) bool) {
		for i, v := range s {
			if !yield(i, v) {
				return
			}
		}
	}
}

// Backward returns the indexes and values of s, last first.
func Backward[E any](s []E) func(yield func(int, E) bool) {
	return func(yield func(int, E) bool) {
		for i := len(s) - 1; i >= 0; i-- {
			if !yield(i, s[i]) {
				return
			}
		}
	}
}

// Values returns the values of s, in order.
func Values[E any](s []E) func(yield func(E) bool) {
	return func(yield func(E) bool) {
		for _, v := range s {
			if !yield(v) {
				return
			}
		}
	}
}

// AppendSeq appends the values of seq to s.
func AppendSeq[E any](s []E, seq func(yield func(E) bool)) []E {
	seq(func(v E) bool {
		s = append(s, v)
		return true
	})
	return s
}

// Collect returns the values of seq in a new slice.
func Collect[E any](seq func(yield func(E) bool)) []E {
	return AppendSeq([]E(nil), seq)
}

// Sorted returns the values of seq, sorted.
func Sorted[E cmp.Ordered](seq func(yield func(E) bool)) []E {
	s := Collect(seq)
	Sort(s)
	return s
}

// SortedFunc returns the values of seq sorted by cmp.
func SortedFunc[E any](seq func(yield func(E) bool), cmp func(E, E) int) []E {
	s := Collect(seq)
	SortFunc(s, cmp)
	return s
}

// SortedStableFunc returns the values of seq sorted by cmp, keeping the
// order of equal values.
func SortedStableFunc[E any](seq func(yield func(E) bool), cmp func(E, E) int) []E {
	s := Collect(seq)
	SortStableFunc(s, cmp)
	return s
}

// Chunk returns consecutive sub-slices of s of n values (the last may be
// shorter). It panics if n < 1.
func Chunk[E any](s []E, n int) func(yield func([]E) bool) {
	if n < 1 {
		panic("cannot be less than 1")
	}
	return func(yield func([]E) bool) {
		for i := 0; i < len(s); i += n {
			end := i + n
			if end > len(s) {
				end = len(s)
			}
			if !yield(s[i:end:end]) {
				return
			}
		}
	}
}

// Equal reports whether s1 and s2 have the same length and values.
func Equal[E comparable](s1, s2 []E) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i := range s1 {
		if s1[i] != s2[i] {
			return false
		}
	}
	return true
}

// EqualFunc reports whether s1 and s2 have the same length and eq holds
// for each pair of values.
func EqualFunc[E1, E2 any](s1 []E1, s2 []E2, eq func(E1, E2) bool) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i, v1 := range s1 {
		if !eq(v1, s2[i]) {
			return false
		}
	}
	return true
}

// Compare compares s1 and s2 value by value, then by length.
func Compare[E cmp.Ordered](s1, s2 []E) int {
	for i, v1 := range s1 {
		if i >= len(s2) {
			return +1
		}
		if c := cmp.Compare(v1, s2[i]); c != 0 {
			return c
		}
	}
	if len(s1) < len(s2) {
		return -1
	}
	return 0
}

// CompareFunc is Compare with cmp comparing the values.
func CompareFunc[E1, E2 any](s1 []E1, s2 []E2, cmp func(E1, E2) int) int {
	for i, v1 := range s1 {
		if i >= len(s2) {
			return +1
		}
		if c := cmp(v1, s2[i]); c != 0 {
			return c
		}
	}
	if len(s1) < len(s2) {
		return -1
	}
	return 0
}

// Index returns the first index of v in s, or -1.
func Index[E comparable](s []E, v E) int {
	for i := range s {
		if v == s[i] {
			return i
		}
	}
	return -1
}

// IndexFunc returns the first index i where f(s[i]), or -1.
func IndexFunc[E any](s []E, f func(E) bool) int {
	for i := range s {
		if f(s[i]) {
			return i
		}
	}
	return -1
}

// Contains reports whether v is in s.
func Contains[E comparable](s []E, v E) bool {
	return Index(s, v) >= 0
}

// ContainsFunc reports whether f holds for a value of s.
func ContainsFunc[E any](s []E, f func(E) bool) bool {
	return IndexFunc(s, f) >= 0
}

// Insert inserts vs at index i of s and returns the result.
func Insert[E any](s []E, i int, vs ...E) []E {
	if i < 0 || i > len(s) {
		panic("runtime error: slice bounds out of range")
	}
	out := make([]E, 0, len(s)+len(vs))
	out = append(out, s[:i]...)
	out = append(out, vs...)
	return append(out, s[i:]...)
}

// Delete removes s[i:j] and returns the result; the tail is zeroed.
func Delete[E any](s []E, i, j int) []E {
	_ = s[i:j:len(s)] // bounds check
	if i == j {
		return s
	}
	oldlen := len(s)
	s = append(s[:i], s[j:]...)
	var zero E
	for k := len(s); k < oldlen; k++ {
		s[:oldlen][k] = zero
	}
	return s
}

// DeleteFunc removes the values for which del holds.
func DeleteFunc[E any](s []E, del func(E) bool) []E {
	n := 0
	for _, v := range s {
		if !del(v) {
			s[n] = v
			n++
		}
	}
	var zero E
	for k := n; k < len(s); k++ {
		s[k] = zero
	}
	return s[:n]
}

// Replace replaces s[i:j] by vs and returns the result.
func Replace[E any](s []E, i, j int, vs ...E) []E {
	_ = s[i:j] // bounds check
	out := make([]E, 0, len(s)-(j-i)+len(vs))
	out = append(out, s[:i]...)
	out = append(out, vs...)
	return append(out, s[j:]...)
}

// Clone returns a copy of s (nil for nil).
func Clone[E any](s []E) []E {
	if s == nil {
		return nil
	}
	return append([]E{}, s...)
}

// Compact replaces runs of equal values by one.
func Compact[E comparable](s []E) []E {
	return CompactFunc(s, func(a, b E) bool { return a == b })
}

// CompactFunc replaces runs of values for which eq holds by the first.
func CompactFunc[E any](s []E, eq func(E, E) bool) []E {
	if len(s) < 2 {
		return s
	}
	n := 1
	for k := 1; k < len(s); k++ {
		if !eq(s[k], s[n-1]) {
			s[n] = s[k]
			n++
		}
	}
	var zero E
	for k := n; k < len(s); k++ {
		s[k] = zero
	}
	return s[:n]
}

// Grow makes room for n more values.
func Grow[E any](s []E, n int) []E {
	if n < 0 {
		panic("cannot be negative")
	}
	if n -= cap(s) - len(s); n > 0 {
		s = append(s[:cap(s)], make([]E, n)...)[:len(s)]
	}
	return s
}

// Clip removes the unused capacity of s.
func Clip[E any](s []E) []E {
	return s[:len(s):len(s)]
}

// Repeat returns s repeated count times.
func Repeat[E any](s []E, count int) []E {
	if count < 0 {
		panic("cannot be negative")
	}
	out := make([]E, 0, len(s)*count)
	for k := 0; k < count; k++ {
		out = append(out, s...)
	}
	return out
}

// Reverse reverses s in place.
func Reverse[E any](s []E) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// Sort sorts s in increasing order (NaNs first).
func Sort[E cmp.Ordered](s []E) {
	sort.Slice(s, func(i, j int) bool { return cmp.Less(s[i], s[j]) })
}

// SortFunc sorts s by cmp.
func SortFunc[E any](s []E, cmp func(a, b E) int) {
	sort.Slice(s, func(i, j int) bool { return cmp(s[i], s[j]) < 0 })
}

// SortStableFunc sorts s by cmp, keeping the order of equal values.
func SortStableFunc[E any](s []E, cmp func(a, b E) int) {
	sort.SliceStable(s, func(i, j int) bool { return cmp(s[i], s[j]) < 0 })
}

// IsSorted reports whether s is in increasing order.
func IsSorted[E cmp.Ordered](s []E) bool {
	for i := len(s) - 1; i > 0; i-- {
		if cmp.Less(s[i], s[i-1]) {
			return false
		}
	}
	return true
}

// IsSortedFunc reports whether s is sorted by cmp.
func IsSortedFunc[E any](s []E, cmp func(a, b E) int) bool {
	for i := len(s) - 1; i > 0; i-- {
		if cmp(s[i], s[i-1]) < 0 {
			return false
		}
	}
	return true
}

// BinarySearch finds target in sorted s: its index, or where it would go,
// and whether it is there.
func BinarySearch[E cmp.Ordered](s []E, target E) (int, bool) {
	i, j := 0, len(s)
	for i < j {
		h := int(uint(i+j) >> 1)
		if cmp.Less(s[h], target) {
			i = h + 1
		} else {
			j = h
		}
	}
	return i, i < len(s) && (s[i] == target || (s[i] != s[i] && target != target))
}

// BinarySearchFunc is BinarySearch with cmp comparing a value to target.
func BinarySearchFunc[E, T any](s []E, target T, cmp func(E, T) int) (int, bool) {
	i, j := 0, len(s)
	for i < j {
		h := int(uint(i+j) >> 1)
		if cmp(s[h], target) < 0 {
			i = h + 1
		} else {
			j = h
		}
	}
	return i, i < len(s) && cmp(s[i], target) == 0
}

// Min returns the smallest value of s (a NaN if s has one); it panics on
// an empty s.
func Min[E cmp.Ordered](s []E) E {
	return extreme(s, "slices.Min: empty list", false)
}

// MinFunc returns the first smallest value of s by cmp.
func MinFunc[E any](s []E, cmp func(a, b E) int) E {
	if len(s) < 1 {
		panic("slices.MinFunc: empty list")
	}
	m := s[0]
	for k := 1; k < len(s); k++ {
		if cmp(s[k], m) < 0 {
			m = s[k]
		}
	}
	return m
}

// Max returns the largest value of s (a NaN if s has one); it panics on
// an empty s.
func Max[E cmp.Ordered](s []E) E {
	return extreme(s, "slices.Max: empty list", true)
}

// MaxFunc returns the first largest value of s by cmp.
func MaxFunc[E any](s []E, cmp func(a, b E) int) E {
	if len(s) < 1 {
		panic("slices.MaxFunc: empty list")
	}
	return MinFunc(s, func(a, b E) int { return -cmp(a, b) })
}

// extreme is Min, or Max when largest.
func extreme[E cmp.Ordered](s []E, empty string, largest bool) E {
	if len(s) < 1 {
		panic(empty)
	}
	m := s[0]
	for k := 1; k < len(s); k++ {
		v := s[k]
		if v != v {
			return v
		}
		if largest && v > m || !largest && v < m {
			m = v
		}
	}
	return m
}
