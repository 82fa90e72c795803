package tests

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/go-runner/go-runner/internal/etcdtest"
	"github.com/go-runner/go-runner/protocol/client"
)

// Helpers of the fleet test (fleet_test.go): a real etcd server
// (internal/etcdtest) with etcd's RBAC set up, and runners serving the
// scripts it holds.

// fleetPrefix is the default scripts.etcd.prefix.
const fleetPrefix = "/go-runner/scripts/"

// etcdServer is an etcd started for one test, with the users of
// enableAuth.
type etcdServer struct {
	*etcdtest.Server
	t testing.TB
}

// startEtcd starts etcd (skipping the test, saying why, without one).
func startEtcd(t testing.TB) *etcdServer {
	t.Helper()
	return &etcdServer{Server: etcdtest.Start(t), t: t}
}

// client returns a client of e as user ("" before enableAuth).
func (e *etcdServer) client(user string) *clientv3.Client {
	e.t.Helper()
	if user == "" {
		return e.Client("", "")
	}
	return e.Client(user, user+"-secret")
}

// enableAuth sets up etcd's RBAC as the README shows it: a role reading
// the prefix (runner), one writing it (pusher), and root; then turns
// authentication on.
func (e *etcdServer) enableAuth() {
	e.t.Helper()
	cli := e.client("")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	end := clientv3.GetPrefixRangeEnd(fleetPrefix)
	steps := []func() error{
		func() error { _, err := cli.RoleAdd(ctx, "scripts-read"); return err },
		func() error {
			_, err := cli.RoleGrantPermission(ctx, "scripts-read", fleetPrefix, end, clientv3.PermissionType(clientv3.PermRead))
			return err
		},
		func() error { _, err := cli.RoleAdd(ctx, "scripts-write"); return err },
		func() error {
			_, err := cli.RoleGrantPermission(ctx, "scripts-write", fleetPrefix, end, clientv3.PermissionType(clientv3.PermReadWrite))
			return err
		},
		func() error { _, err := cli.UserAdd(ctx, "root", "root-secret"); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := cli.UserAdd(ctx, "runner", "runner-secret"); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "runner", "scripts-read"); return err },
		func() error { _, err := cli.UserAdd(ctx, "pusher", "pusher-secret"); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "pusher", "scripts-write"); return err },
		func() error { _, err := cli.AuthEnable(ctx); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			e.t.Fatalf("etcd auth step %d: %v", i, err)
		}
	}
}

// sets are the --set flags of a command on e as user.
func (e *etcdServer) sets(user string, more ...string) []string {
	out := []string{"--set", "scripts.etcd.endpoints=" + e.Endpoint, "--set", "scripts.etcd.user=" + user,
		"--set", "scripts.etcd.password=" + user + "-secret"}
	for _, s := range more {
		out = append(out, "--set", s)
	}
	return out
}

// fleetNode is a runner serving the scripts of an etcd, with its own socket
// and cache.
type fleetNode struct {
	*proc
	cache string
}

// startNode starts a runner on e as the read-only user, caching into
// cache, and waits for its start-up line.
func startNode(t *testing.T, e *etcdServer, dir, cache string) *fleetNode {
	t.Helper()
	sock := filepath.Join(dir, "r.sock")
	args := e.sets("runner", "scripts.etcd.cache="+cache, "log.format=json", "scripts.etcd.timeout=2s")
	p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, args...)
	if !p.out.waitCount(readyTimeout, 1, "go-runner started") {
		t.Fatal("no start-up line")
	}
	return &fleetNode{proc: p, cache: cache}
}

// version is the X-Version the node's fleetv plugin sets now.
func (n *fleetNode) version(t testing.TB) int {
	t.Helper()
	c := n.dial()
	defer c.Close()
	tok := prepare(t, c, pc("fleetv", "{}"))
	return versionOf(t, call(t, c, tok, client.ReqCall{ID: 1, Path: "/fleet"}, nil))
}

// logTime is the time of the n-th JSON log line holding every one of subs,
// waiting for it.
func (n *fleetNode) logTime(t testing.TB, count int, subs ...string) time.Time {
	t.Helper()
	if !n.out.waitCount(reloadBound, count, subs...) {
		t.Fatalf("no %d lines with %q within %s", count, subs, reloadBound)
	}
	seen := 0
	for _, line := range n.out.lines() {
		if !containsAll(line, subs...) {
			continue
		}
		if seen++; seen < count {
			continue
		}
		var entry struct {
			TS string `json:"ts"`
		}
		if err := json.Unmarshal([]byte(line[strings.Index(line, "{"):]), &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		ts, err := time.Parse(time.RFC3339Nano, entry.TS)
		if err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		return ts
	}
	t.Fatal("unreachable: the line was counted")
	return time.Time{}
}
