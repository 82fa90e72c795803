package interp

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// reloadCycles is how many reloads the memory tests make (the issue's
// figure).
const reloadCycles = 1000

// Bounds of the memory tests, generous: a leak of one interpreter per
// reload (~1.5 MB each) would be 1.5 GB.
const (
	maxHeapGrowth      = 8 << 20
	maxGoroutineGrowth = 4
)

// memFigures is the heap in use after a full GC, and the goroutines.
type memFigures struct {
	heapInuse  uint64
	goroutines int
}

func measure() memFigures {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memFigures{heapInuse: ms.HeapInuse, goroutines: runtime.NumGoroutine()}
}

// reloadMemFixture is a fixture whose publisher keeps nothing.
func reloadMemFixture(t *testing.T) (*reloadFixture, *int) {
	published := new(int)
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 0, "")}, func(c *ReloadConfig) {
		c.Publish = func(_ *plugin.Registry, retire func()) { *published++; retire() }
	})
	return f, published
}

// skipUnderRace skips a memory test under the race detector: each of its
// thousand interpreter builds is about 7 times slower there (150 s a test on
// a loaded machine instead of 20 s), and one goroutine reloading in a loop
// gives the detector nothing to find. test.sh and stress.sh run the tests
// named TestMemory* in a step without -race: a memory test takes that name.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("a memory test: run without -race (test.sh's memory step)")
	}
}

func checkFlat(t *testing.T, what string, before, after memFigures) {
	t.Helper()
	growth := int64(after.heapInuse) - int64(before.heapInuse)
	t.Logf("%s: HeapInuse %.2f MB -> %.2f MB (%+.2f MB) after %d cycles; goroutines %d -> %d",
		what, mb(before.heapInuse), mb(after.heapInuse), float64(growth)/(1<<20), reloadCycles, before.goroutines, after.goroutines)
	if growth > maxHeapGrowth {
		t.Errorf("%s: heap grew by %d bytes over %d cycles, more than %d", what, growth, reloadCycles, maxHeapGrowth)
	}
	if after.goroutines > before.goroutines+maxGoroutineGrowth {
		t.Errorf("%s: goroutines %d -> %d", what, before.goroutines, after.goroutines)
	}
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// TestMemoryFlatOverReloads reloads one script reloadCycles times, each save a
// new version of the same shape: the heap stays flat, and no goroutine is
// left behind (each served unit parks two; retired ones let them go).
func TestMemoryFlatOverReloads(t *testing.T) {
	skipUnderRace(t)
	f, published := reloadMemFixture(t)
	const warmup = 20
	for i := 1; i <= warmup; i++ {
		f.write("a.go", verSrc("a", i, ""))
		f.r.Rescan(false)
	}
	before := measure()
	for i := warmup + 1; i <= warmup+reloadCycles; i++ {
		f.write("a.go", verSrc("a", i, ""))
		if rep := f.r.Rescan(false); len(rep.Reloaded) != 1 {
			t.Fatalf("reload %d: %+v", i, rep)
		}
	}
	after := measure()
	if *published != warmup+reloadCycles {
		t.Fatalf("%d publications", *published)
	}
	if got, want := version(t, f.r.Registry(), "a"), fmt.Sprint(warmup+reloadCycles); got != want {
		t.Fatalf("serving version %s, want %s", got, want)
	}
	checkFlat(t, "good reloads", before, after)
}

// TestMemoryFlatOverFailedReloads: reloadCycles broken saves, each a new
// content that fails in the interpreter (a type error, a panic in init),
// leave the heap flat and the first version serving.
func TestMemoryFlatOverFailedReloads(t *testing.T) {
	skipUnderRace(t)
	f, published := reloadMemFixture(t)
	broken := func(i int) string {
		if i%2 == 0 {
			return verSrc("a", i, fmt.Sprintf("var bad%d int = \"x\"\n", i))
		}
		return verSrc("a", i, fmt.Sprintf("func init() { panic(\"broken %d\") }\n", i))
	}
	const warmup = 20
	for i := range warmup {
		f.write("a.go", broken(i))
		f.r.Rescan(false)
	}
	f.logs.TakeAll()
	before := measure()
	for i := warmup; i < warmup+reloadCycles; i++ {
		f.write("a.go", broken(i))
		if rep := f.r.Rescan(false); len(rep.Failed) != 1 {
			t.Fatalf("broken save %d: %+v", i, rep)
		}
	}
	if n := len(f.errorLogs("a.go")); n != reloadCycles {
		t.Fatalf("%d failures logged, want one per broken save", n)
	}
	// The test's log observer holds every entry, with the errors.
	f.logs.TakeAll()
	after := measure()
	if *published != 0 || version(t, f.r.Registry(), "a") != "0" {
		t.Fatal("a broken save replaced the version served")
	}
	checkFlat(t, "failed reloads", before, after)
}
