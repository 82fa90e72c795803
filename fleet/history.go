package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Version is a unit as one push or rollback left it.
type Version struct {
	Unit     string
	Revision int64
	// Files are the unit's files then; nil: the push deleted the unit.
	Files Unit
	// Pushed is what the push recorded (its time, by whom).
	Pushed Pushed
}

// History lists the versions of unit (every unit when "") that pushes and
// rollbacks wrote, newest first: it follows the revisions of PushedKey back
// until the first push or etcd's compaction, and reads the units at each.
// Writes made without Push or Rollback show in the next push's version.
func History(ctx context.Context, cli *clientv3.Client, prefix, unit string) ([]Version, error) {
	type push struct {
		rev int64
		p   Pushed
	}
	var pushes []push // newest first
	var opts []clientv3.OpOption
	for {
		resp, err := cli.Get(ctx, prefix+PushedKey, opts...)
		if errors.Is(err, rpctypes.ErrCompacted) {
			break // older versions are gone
		}
		if err != nil {
			return nil, fmt.Errorf("fleet: history: %w", err)
		}
		if len(resp.Kvs) == 0 {
			break
		}
		kv := resp.Kvs[0]
		var p Pushed
		if err := json.Unmarshal(kv.Value, &p); err != nil {
			p = Pushed{What: "unknown (" + PushedKey + " is not a push record)"}
		}
		pushes = append(pushes, push{rev: kv.ModRevision, p: p})
		if kv.ModRevision <= 1 {
			break
		}
		opts = []clientv3.OpOption{clientv3.WithRev(kv.ModRevision - 1)}
	}
	sets := make([]Set, len(pushes))
	for i, p := range pushes {
		s, err := readSet(ctx, cli, prefix, p.rev)
		if errors.Is(err, rpctypes.ErrCompacted) {
			pushes, sets = pushes[:i], sets[:i]
			break
		}
		if err != nil {
			return nil, fmt.Errorf("fleet: history: %w", err)
		}
		sets[i] = s
	}
	var out []Version
	for i, p := range pushes {
		var before Set
		if i+1 < len(sets) {
			before = sets[i+1]
		}
		now := sets[i]
		both := Set{}
		maps.Copy(both, before)
		maps.Copy(both, now)
		for _, n := range both.Names() {
			cur, had := now[n]
			old, was := before[n]
			if (unit != "" && n != unit) || (had && was && cur.equal(old)) {
				continue
			}
			out = append(out, Version{Unit: n, Revision: p.rev, Files: cur, Pushed: p.p})
		}
	}
	return out, nil
}
