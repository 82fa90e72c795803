// Package suggest finds the name someone probably meant: the "did you
// mean" of an unknown config key or plugin name.
//
// Names are compared ignoring ASCII case, by optimal string alignment
// distance: insertions, deletions, substitutions and swaps of two
// neighbouring bytes each count 1. Names longer than MaxLen are never
// suggested nor matched, so that input from outside (a conf APISIX sends)
// costs at most MaxLen² steps per candidate.
package suggest
