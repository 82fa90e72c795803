package fleet

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/go-runner/go-runner/internal/etcdtest"
)

const testPrefix = "/t/scripts/"

// bound caps each wait of these tests; none is a speed requirement.
const bound = time.Minute

// unit1 is a set of one unit say.go holding src.
func unit1(src string) Set { return Set{"say.go": {"say.go": []byte(src)}} }

// refuseBroken is a gate refusing a unit whose source says "broken".
func refuseBroken(_ context.Context, _ string, u Unit) error {
	for _, b := range u {
		if strings.Contains(string(b), "broken") {
			return errors.New("broken")
		}
	}
	return nil
}

// mirrorOf returns a mirror of s into a new cache, with its log observed
// and a channel of the revisions it applied.
func mirrorOf(t *testing.T, endpoint string, gate Gate) (*Mirror, *observer.ObservedLogs, chan int64) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	o := Options{Endpoints: []string{endpoint}, Prefix: testPrefix, Timeout: 2 * time.Second}
	m := NewMirror(o, Cache{Dir: filepath.Join(t.TempDir(), "cache")}, gate, zap.New(core))
	applied := make(chan int64, 100)
	m.afterApply = func(rev int64) { applied <- rev }
	t.Cleanup(m.Close)
	return m, logs, applied
}

// run runs m until the test ends.
func run(t *testing.T, m *Mirror) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// awaitRev waits until m applied revision rev or later.
func awaitRev(t *testing.T, applied chan int64, rev int64) {
	t.Helper()
	timeout := time.After(bound)
	for {
		select {
		case r := <-applied:
			if r >= rev {
				return
			}
		case <-timeout:
			t.Fatalf("revision %d not applied within %s", rev, bound)
		}
	}
}

// wantCache checks that the cache holds want.
func wantCache(t *testing.T, m *Mirror, want Set) {
	t.Helper()
	got, _, err := m.cache.Read()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("cache holds %v (%v), want %v", got, err, want)
	}
}

func push(t *testing.T, s *etcdtest.Server, set Set) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	w, err := Push(ctx, s.Client("", ""), testPrefix, set, "test")
	if err != nil || w.Revision == 0 {
		t.Fatalf("push: %+v, %v", w, err)
	}
	return w.Revision
}

// TestMirrorFollows: the cache follows pushes; a version the gate refuses
// leaves the last good one; a deleted unit leaves the cache.
func TestMirrorFollows(t *testing.T) {
	s := etcdtest.Start(t)
	push(t, s, unit1("package a // v1\n"))
	m, logs, applied := mirrorOf(t, s.Endpoint, refuseBroken)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantCache(t, m, unit1("package a // v1\n"))
	run(t, m)

	rev := push(t, s, unit1("package a // v2\n"))
	awaitRev(t, applied, rev)
	wantCache(t, m, unit1("package a // v2\n"))

	rev = push(t, s, unit1("package a // broken\n"))
	awaitRev(t, applied, rev)
	wantCache(t, m, unit1("package a // v2\n"))
	if logs.FilterMessageSnippet("fails check").Len() != 1 {
		t.Fatalf("the refused version was not logged once: %v", logs.All())
	}

	rev = push(t, s, Set{"other.go": {"other.go": []byte("package o\n")}})
	awaitRev(t, applied, rev)
	wantCache(t, m, Set{"other.go": {"other.go": []byte("package o\n")}})
}

// TestMirrorResyncsAfterCompaction: a watch from a revision etcd compacted
// meanwhile reads the whole prefix again and loses nothing.
func TestMirrorResyncsAfterCompaction(t *testing.T) {
	s := etcdtest.Start(t)
	push(t, s, unit1("package a // v1\n"))
	m, logs, applied := mirrorOf(t, s.Endpoint, nil)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	push(t, s, unit1("package a // v2\n"))
	rev := push(t, s, Set{"say.go": {"say.go": []byte("package a // v3\n")}, "b.go": {"b.go": []byte("package b\n")}})
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	if _, err := s.Client("", "").Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	run(t, m) // watches from the revision Start read, compacted now
	awaitRev(t, applied, rev)
	wantCache(t, m, Set{"say.go": {"say.go": []byte("package a // v3\n")}, "b.go": {"b.go": []byte("package b\n")}})
	if logs.FilterMessageSnippet("compacted").Len() == 0 {
		t.Fatalf("no resync after the compaction: %v", logs.All())
	}
}

// TestMirrorStartsWithoutEtcd: with etcd unreachable, Start keeps the
// cache as it is and says so.
func TestMirrorStartsWithoutEtcd(t *testing.T) {
	m, logs, _ := mirrorOf(t, "http://127.0.0.1:1", nil)
	m.opts.Timeout = 200 * time.Millisecond
	if err := m.cache.Write(unit1("package a\n"), 7); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantCache(t, m, unit1("package a\n"))
	if e := logs.FilterMessageSnippet("etcd unreachable").All(); len(e) != 1 || e[0].ContextMap()["revision"] != int64(7) {
		t.Fatalf("Start did not say it serves the cache of revision 7: %v", logs.All())
	}
}
