package supervisor

import (
	"sort"
	"time"
)

// quarantine decides which unit versions workers must not load: a version
// among the suspects of `after` deaths within `window`.
type quarantine struct {
	after  int
	window time.Duration
	deaths map[UnitVersion][]time.Time // when the version was a suspect
	held   map[UnitVersion]string      // quarantined version -> the fatal error
}

func newQuarantine(after int, window time.Duration) *quarantine {
	return &quarantine{after: after, window: window, deaths: map[UnitVersion][]time.Time{}, held: map[UnitVersion]string{}}
}

// death records a death at now with its suspects and returns the versions
// it quarantines.
func (q *quarantine) death(now time.Time, suspects []UnitVersion, fatal string) []UnitVersion {
	var added []UnitVersion
	for _, uv := range suspects {
		uv.Index = 0
		if _, ok := q.held[uv]; ok {
			continue
		}
		ts := append(q.deaths[uv], now)
		for len(ts) > 0 && now.Sub(ts[0]) > q.window {
			ts = ts[1:]
		}
		q.deaths[uv] = ts
		if len(ts) >= q.after {
			q.held[uv] = fatal
			delete(q.deaths, uv)
			added = append(added, uv)
		}
	}
	return added
}

// list is the quarantined versions, sorted.
func (q *quarantine) list() []UnitVersion {
	out := make([]UnitVersion, 0, len(q.held))
	for uv := range q.held {
		out = append(out, uv)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Sum < out[j].Sum
	})
	return out
}

// lift forgets every quarantine and every death (SIGHUP).
func (q *quarantine) lift() []UnitVersion {
	was := q.list()
	clear(q.held)
	clear(q.deaths)
	return was
}
