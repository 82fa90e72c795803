package fleet

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/go-runner/go-runner/internal/etcdtest"
)

// TestPushHistoryRollback: a push writes only what changed and deletes
// what is gone, history lists each unit's versions (a deletion too), and a
// rollback puts one unit back as it was, leaving the others.
func TestPushHistoryRollback(t *testing.T) {
	s := etcdtest.Start(t)
	cli := s.Client("", "")
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	pushed := func(set Set, want Written) int64 {
		t.Helper()
		w, err := Push(ctx, cli, testPrefix, set, "t")
		if err != nil {
			t.Fatal(err)
		}
		got := w
		got.Revision = 0
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("push wrote %+v, want %+v", got, want)
		}
		return w.Revision
	}
	v1 := Set{"say.go": {"say.go": []byte("v1")}, "f": {"f/a.go": []byte("a"), "f/b.go": []byte("b")}}
	r1 := pushed(v1, Written{Put: []string{"f/a.go", "f/b.go", "say.go"}, Units: []string{"f", "say.go"}})
	if r := pushed(v1, Written{}); r != 0 {
		t.Fatalf("pushing the same set again wrote revision %d", r)
	}
	v2 := Set{"say.go": {"say.go": []byte("v2")}, "f": {"f/a.go": []byte("a")}}
	r2 := pushed(v2, Written{Put: []string{"say.go"}, Deleted: []string{"f/b.go"}, Units: []string{"f", "say.go"}})
	r3 := pushed(Set{"f": {"f/a.go": []byte("a")}}, Written{Deleted: []string{"say.go"}, Units: []string{"say.go"}})

	vs, err := History(ctx, cli, testPrefix, "say.go")
	if err != nil {
		t.Fatal(err)
	}
	var revs []int64
	for _, v := range vs {
		revs = append(revs, v.Revision)
	}
	if !reflect.DeepEqual(revs, []int64{r3, r2, r1}) || vs[0].Files != nil || string(vs[1].Files["say.go"]) != "v2" || vs[2].Pushed.By != "t" {
		t.Fatalf("history of say.go: %+v, want revisions %d (deleted), %d, %d", vs, r3, r2, r1)
	}

	if _, err := Rollback(ctx, cli, testPrefix, "nope.go", r1, "t"); !errors.Is(err, ErrNoVersion) {
		t.Fatalf("rollback of a unit absent then: %v, want ErrNoVersion", err)
	}
	if _, err := Rollback(ctx, cli, testPrefix, "f", r1, "t"); err != nil {
		t.Fatal(err)
	}
	now, err := readSet(ctx, cli, testPrefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Set{"f": v1["f"]}); !reflect.DeepEqual(now, want) {
		t.Fatalf("after the rollback of f: %v, want %v", now, want)
	}
}
