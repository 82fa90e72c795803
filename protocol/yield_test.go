package protocol

import (
	"errors"
	"testing"
)

func TestShouldYield(t *testing.T) {
	for _, tc := range []struct {
		policy           ReadYield
		serving, waiting int32
		want             bool
	}{
		{YieldAuto, 1, 0, false},   // one connection: never
		{YieldAuto, 16, 14, false}, // two busy on two processors
		{YieldAuto, 16, 13, true},  // three busy
		{YieldAuto, 4, 0, true},
		{YieldNever, 16, 0, false},
		{YieldAlways, 1, 0, true},
	} {
		y := &yielder{policy: tc.policy, procs: 2}
		y.serving.Store(tc.serving)
		y.waiting.Store(tc.waiting)
		if got := y.shouldYield(); got != tc.want {
			t.Errorf("%s with %d serving, %d waiting on 2 processors: yield %t, want %t", tc.policy, tc.serving, tc.waiting, got, tc.want)
		}
	}
}

func TestParseReadYield(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ReadYield
		err  error
	}{
		{"auto", YieldAuto, nil},
		{"never", YieldNever, nil},
		{"always", YieldAlways, nil},
		{"sometimes", 0, ErrBadReadYield},
		{"", 0, ErrBadReadYield},
	} {
		got, err := ParseReadYield(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseReadYield(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
		if err == nil && got.String() != tc.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
}
