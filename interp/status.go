package interp

import (
	"encoding/hex"
	"time"
)

// Unit states of Status.
const (
	// StateServing: the unit's plugins answer calls.
	StateServing = "serving"
	// StateFailed: the last version found failed to load (Err); an older
	// version may still serve (UnitStatus.Serving).
	StateFailed = "failed"
	// StateStopped: the unit was stopped (a call overran its deadline)
	// and waits for its rebuild; its calls fail meanwhile.
	StateStopped = "stopped"
	// StateQuarantined: Hold keeps this version out; not served.
	StateQuarantined = "quarantined"
)

// UnitStatus is what Status says of one unit.
type UnitStatus struct {
	Name string
	// Files are the unit's source files as the scripts directory names
	// them; Sum identifies their content (hex). For a failed unit they are
	// those of the version that failed.
	Files []string
	Sum   string
	// State is one of the State constants.
	State string
	// Serving: its plugins answer calls (a version loaded before a failed
	// one keeps serving). Plugins are the served version's.
	Serving bool
	Plugins []string
	// LoadedAt is when the served version was loaded; FailedAt when the
	// failure happened. Zero when not applicable.
	LoadedAt time.Time
	FailedAt time.Time
	// ServingSum is the served version's content when it differs from Sum.
	ServingSum string
	// Err is why it failed (a *UnitError), for StateFailed.
	Err error
}

// heldUnit is a unit version Hold kept out.
type heldUnit struct {
	sum   sum
	files []string
}

// Status describes every unit the reloader knows of, sorted by name: the
// ones served, the ones that failed, the ones held out.
func (r *Reloader) Status() []UnitStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := map[string]bool{}
	for n := range r.served {
		names[n] = true
	}
	for n := range r.failed {
		names[n] = true
	}
	for n := range r.held {
		names[n] = true
	}
	out := make([]UnitStatus, 0, len(names))
	for _, n := range sortedKeys(names) {
		st := UnitStatus{Name: n}
		if su, ok := r.served[n]; ok {
			st.Serving = true
			st.Files = su.files
			st.Sum = hex.EncodeToString(su.sum[:])
			st.Plugins = specNames(su.u)
			st.LoadedAt = su.since
			st.State = StateServing
			if su.u.Dead() {
				st.State = StateStopped
			}
		}
		if h, ok := r.held[n]; ok {
			st.State = StateQuarantined
			st.Serving, st.Plugins, st.LoadedAt = false, nil, time.Time{}
			st.Files, st.Sum = h.files, hex.EncodeToString(h.sum[:])
		} else if f, ok := r.failed[n]; ok {
			if st.Serving {
				st.ServingSum = st.Sum
			}
			st.State = StateFailed
			st.Err, st.FailedAt = f.err, f.at
			st.Sum = hex.EncodeToString(f.sum[:])
			if f.files != nil {
				st.Files = f.files
			}
			if st.ServingSum == st.Sum {
				st.ServingSum = ""
			}
		}
		out = append(out, st)
	}
	return out
}

// fileNames are the names of the snapshot's files; nil for nil.
func (s *Snapshot) fileNames() []string {
	if s == nil {
		return nil
	}
	names := make([]string, len(s.Files))
	for i, f := range s.Files {
		names[i] = f.Name
	}
	return names
}
