package supervisor

import (
	"testing"
	"time"
)

func TestQuarantineRule(t *testing.T) {
	bomb := UnitVersion{Name: "bomb.go", Sum: "b1"}
	bomb2 := UnitVersion{Name: "bomb.go", Sum: "b2"}
	ver := UnitVersion{Name: "ver.go", Sum: "v1"}
	t0 := time.Unix(1000, 0)
	type death struct {
		at       time.Duration
		suspects []UnitVersion
		want     []UnitVersion
	}
	for _, tc := range []struct {
		name   string
		deaths []death
		held   []UnitVersion
	}{
		{"one death quarantines nothing", []death{{0, []UnitVersion{bomb}, nil}}, nil},
		{"two deaths within the window", []death{{0, []UnitVersion{bomb}, nil}, {time.Minute, []UnitVersion{bomb}, []UnitVersion{bomb}}}, []UnitVersion{bomb}},
		{"two deaths further apart than the window", []death{{0, []UnitVersion{bomb}, nil}, {11 * time.Minute, []UnitVersion{bomb}, nil}}, nil},
		{"another version is another unit", []death{{0, []UnitVersion{bomb}, nil}, {time.Second, []UnitVersion{bomb2}, nil}}, nil},
		{"every suspect of both deaths", []death{
			{0, []UnitVersion{bomb, ver}, nil},
			{time.Second, []UnitVersion{bomb}, []UnitVersion{bomb}},
			{2 * time.Second, []UnitVersion{ver}, []UnitVersion{ver}},
		}, []UnitVersion{bomb, ver}},
		{"the index is not part of the version", []death{
			{0, []UnitVersion{{Name: "bomb.go", Sum: "b1", Index: 3}}, nil},
			{time.Second, []UnitVersion{{Name: "bomb.go", Sum: "b1", Index: 5}}, []UnitVersion{bomb}},
		}, []UnitVersion{bomb}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newQuarantine(2, 10*time.Minute)
			for i, d := range tc.deaths {
				got := q.death(t0.Add(d.at), d.suspects, "fatal error: x")
				if !sameVersions(got, d.want) {
					t.Fatalf("death %d quarantined %v, want %v", i, got, d.want)
				}
			}
			if got := q.list(); !sameVersions(got, tc.held) {
				t.Fatalf("held %v, want %v", got, tc.held)
			}
			if lifted := q.lift(); !sameVersions(lifted, tc.held) || len(q.list()) != 0 {
				t.Fatalf("lift returned %v and left %v", lifted, q.list())
			}
		})
	}
}

func sameVersions(a, b []UnitVersion) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
