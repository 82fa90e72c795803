package supervisor

import (
	"os"
	"testing"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// TestTrackerRecordsWhatEachConnectionRuns: the worker's tracker and the
// supervisor's reading of the shared state agree, through the memory file.
func TestTrackerRecordsWhatEachConnectionRuns(t *testing.T) {
	f, sup, err := newShared()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defer sup.unmap()
	wst, err := mapShared(f)
	if err != nil {
		t.Fatal(err)
	}
	defer wst.unmap()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	k := &Link{state: wst, up: &sender{w: w}, units: map[UnitVersion]uint32{}}
	bomb := &plugin.Spec{Name: "bomb", Unit: "bomb.go"}
	compiled := &plugin.Spec{Name: "say"}
	tr := k.Tracker(func(s *plugin.Spec) (UnitVersion, bool) {
		if s.Unit == "" {
			return UnitVersion{}, false
		}
		return UnitVersion{Name: s.Unit, Sum: "s1"}, true
	})
	msgs := newReceiver(r)

	slot := tr.Attach()
	slot.Enter(bomb)
	m, err := msgs.next()
	if err != nil || m.Type != msgUnit || m.Unit.Name != "bomb.go" || m.Unit.Index != 0 {
		t.Fatalf("unit message %+v, %v", m, err)
	}
	gid := goroutineID()
	if fl := sup.inFlight(); fl[gid] != 1 {
		t.Fatalf("in flight %v, want goroutine %d in unit index 0", fl, gid)
	}
	slot.Leave()
	if fl := sup.inFlight(); fl[gid] != 0 {
		t.Fatalf("in flight %v after the call", fl)
	}
	slot.Enter(compiled)
	if fl := sup.inFlight(); fl[gid] != 0 {
		t.Fatalf("a compiled plugin is in no unit: %v", fl)
	}
	slot.Leave()
	slot.Release()
	if fl := sup.inFlight(); len(fl) != 0 {
		t.Fatalf("in flight %v after release", fl)
	}
	k.SetStuck(3)
	if sup.stuck() != 3 {
		t.Fatalf("stuck %d", sup.stuck())
	}
}
