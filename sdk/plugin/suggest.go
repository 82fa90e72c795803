package plugin

import "github.com/go-runner/go-runner/internal/suggest"

// Suggest returns the registered name closest to name, for a "did you mean"
// when a conf names a plugin the registry lacks: one at most a third of
// name's length (at least 1) of edits away (insertions, deletions,
// substitutions, swaps of neighbours; case aside), the first in sorted
// order on a tie, or "".
func (r *Registry) Suggest(name string) string {
	if r == nil {
		return ""
	}
	return suggest.Closest(r.Names(), name, max(1, len(name)/3))
}
