package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// maxTxnOps is etcd's default limit of operations in one transaction
// (--max-txn-ops).
const maxTxnOps = 128

// Pushed is what a push or a rollback writes at PushedKey.
type Pushed struct {
	Time  time.Time `json:"time"`
	By    string    `json:"by,omitempty"`
	What  string    `json:"what"` // "push" or "rollback UNIT REV"
	Units []string  `json:"units"`
}

// Written is what Push or Rollback did.
type Written struct {
	// Revision is etcd's revision of the transaction; 0 when nothing
	// changed (nothing was written).
	Revision int64
	// Put and Deleted are the files written and removed.
	Put, Deleted []string
	// Units are the units changed.
	Units []string
}

// Push makes the prefix hold exactly set: in one transaction, it puts the
// files whose bytes differ, deletes the keys of files set does not have,
// and writes PushedKey. It fails with ErrConflict when a key under the
// prefix was written after Push read it.
func Push(ctx context.Context, cli *clientv3.Client, prefix string, set Set, by string) (Written, error) {
	return write(ctx, cli, prefix, set, func(string) bool { return true }, Pushed{By: by, What: "push"})
}

// Rollback puts unit back as it was at revision rev, in one transaction;
// the other units stay as they are. ErrNoVersion: the unit had no files
// then (or rev was compacted).
func Rollback(ctx context.Context, cli *clientv3.Client, prefix, unit string, rev int64, by string) (Written, error) {
	at, err := readSet(ctx, cli, prefix, rev)
	if err != nil {
		return Written{}, err
	}
	old, ok := at[unit]
	if !ok {
		return Written{}, fmt.Errorf("%w: %s at revision %d", ErrNoVersion, unit, rev)
	}
	return write(ctx, cli, prefix, Set{unit: old}, func(u string) bool { return u == unit },
		Pushed{By: by, What: fmt.Sprintf("rollback %s %d", unit, rev)})
}

// readSet reads the units of prefix at rev (0: now).
func readSet(ctx context.Context, cli *clientv3.Client, prefix string, rev int64) (Set, error) {
	opts := []clientv3.OpOption{clientv3.WithPrefix()}
	if rev > 0 {
		opts = append(opts, clientv3.WithRev(rev))
	}
	resp, err := cli.Get(ctx, prefix, opts...)
	if err != nil {
		return nil, fmt.Errorf("fleet: read %s: %w", prefix, err)
	}
	kvs := make(map[string][]byte, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		kvs[string(kv.Key)] = kv.Value
	}
	return setOf(prefix, kvs), nil
}

// write makes the units inScope of the prefix those of want.
func write(ctx context.Context, cli *clientv3.Client, prefix string, want Set, inScope func(string) bool, p Pushed) (Written, error) {
	resp, err := cli.Get(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return Written{}, fmt.Errorf("fleet: read %s: %w", prefix, err)
	}
	var w Written
	var ops []clientv3.Op
	changed := map[string]bool{}
	have := map[string][]byte{}
	for _, kv := range resp.Kvs {
		k := string(kv.Key)
		unit, file, ok := splitKey(prefix, k)
		if !ok || !inScope(unit) {
			continue
		}
		have[k] = kv.Value
		if _, keep := want[unit][file]; !keep {
			ops = append(ops, clientv3.OpDelete(k))
			w.Deleted = append(w.Deleted, file)
			changed[unit] = true
		}
	}
	for _, unit := range want.Names() {
		u := want[unit]
		for _, file := range u.Files() {
			k := prefix + file
			if old, ok := have[k]; ok && string(old) == string(u[file]) {
				continue
			}
			ops = append(ops, clientv3.OpPut(k, string(u[file])))
			w.Put = append(w.Put, file)
			changed[unit] = true
		}
	}
	if len(ops) == 0 {
		return w, nil
	}
	for u := range changed {
		w.Units = append(w.Units, u)
	}
	sort.Strings(w.Units)
	p.Time, p.Units = time.Now().UTC(), w.Units
	meta, err := json.Marshal(p)
	if err != nil {
		return Written{}, fmt.Errorf("fleet: %w", err)
	}
	ops = append(ops, clientv3.OpPut(prefix+PushedKey, string(meta)))
	if len(ops) > maxTxnOps {
		return Written{}, fmt.Errorf("%w: %d operations, etcd takes %d by default", ErrTooManyOps, len(ops), maxTxnOps)
	}
	// No key under the prefix changed since the read: a push racing
	// another fails rather than mixing the two.
	unchanged := clientv3.Compare(clientv3.ModRevision(prefix).WithPrefix(), "<", resp.Header.Revision+1)
	tr, err := cli.Txn(ctx).If(unchanged).Then(ops...).Commit()
	if err != nil {
		return Written{}, fmt.Errorf("fleet: write %s: %w", prefix, err)
	}
	if !tr.Succeeded {
		return Written{}, ErrConflict
	}
	w.Revision = tr.Header.Revision
	return w, nil
}
