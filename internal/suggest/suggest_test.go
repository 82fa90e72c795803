package suggest

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"say", "", 3}, {"say", "say", 0}, {"say", "SAY", 0},
		{"say", "sya", 1}, {"say", "ays", 2}, {"limit-req", "limit_req", 1},
		{"rewrite", "rewrit", 1}, {"kitten", "sitting", 3},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"say", "resp-header", "rewrite", "ray"}
	for _, tc := range []struct {
		s      string
		within int
		want   string
	}{
		{"sya", 1, "say"},
		{"xay", 1, "say"}, // a tie with ray: the first
		{"resp", 1, ""},
		{"resp-headers", 1, "resp-header"},
		{"", 2, ""},
		{strings.Repeat("a", MaxLen+1), 1000, ""},
	} {
		if got := Closest(names, tc.s, tc.within); got != tc.want {
			t.Errorf("Closest(%q, %d) = %q, want %q", tc.s, tc.within, got, tc.want)
		}
	}
}
