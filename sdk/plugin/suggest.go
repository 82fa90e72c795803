package plugin

// Suggest returns the registered name closest to name, for a "did you mean"
// when a conf names a plugin the registry lacks: the name at the smallest
// edit distance (insertions, deletions, substitutions and swaps of two
// neighbours), if that distance is at most a third of name's length (at
// least 1); or the one registered name that differs only in case. It
// returns "" when no name is close.
func (r *Registry) Suggest(name string) string {
	if r == nil || len(name) > maxSuggestLen {
		return ""
	}
	best, bestDist := "", max(1, len(name)/3)+1
	for n := range r.specs {
		d := editDistance(name, n)
		if d < bestDist || (d == bestDist && n < best) {
			best, bestDist = n, d
		}
	}
	return best
}

// maxSuggestLen bounds the names Suggest compares: a conf from APISIX can
// name anything, and the distance costs len(a)*len(b).
const maxSuggestLen = 256

// editDistance is the optimal string alignment distance between a and b,
// case-insensitive for ASCII letters.
func editDistance(a, b string) int {
	if len(b) > maxSuggestLen {
		return maxSuggestLen
	}
	lower := func(c byte) byte {
		if 'A' <= c && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	// Three rows of the dynamic programme: i-2, i-1 and i.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if lower(a[i-1]) == lower(b[j-1]) {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && lower(a[i-1]) == lower(b[j-2]) && lower(a[i-2]) == lower(b[j-1]) {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
