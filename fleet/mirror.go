package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Backoff bounds of the Mirror's reconnection: the first retry comes after
// MinBackoff, each next one after twice the last, at most MaxBackoff.
const (
	MinBackoff = 250 * time.Millisecond
	MaxBackoff = 10 * time.Second
)

// Gate checks a unit version before it enters the cache; an error refuses
// it (the last good version stays). Nil lets every version in.
type Gate func(ctx context.Context, name string, u Unit) error

// Mirror keeps a Cache equal to the good units of a prefix in etcd.
type Mirror struct {
	opts    Options
	cli     *clientv3.Client // nil until etcd answered once (a client with a user must log in at its creation)
	prefix  string
	timeout time.Duration
	cache   Cache
	gate    Gate
	log     *zap.Logger

	raw     map[string][]byte // every key under the prefix, at rev; nil until read
	rev     int64
	good    Set             // what the cache holds
	refused map[string]Unit // unit versions the gate refused, not tried again

	// afterApply, when set (tests), is called after each apply.
	afterApply func(rev int64)
}

// NewMirror returns a mirror of o.Prefix into cache. It connects in Start
// and Run; Close releases the connection.
func NewMirror(o Options, cache Cache, gate Gate, log *zap.Logger) *Mirror {
	return &Mirror{opts: o, prefix: o.Prefix, timeout: o.Timeout, cache: cache, gate: gate,
		log: log.Named("fleet"), good: Set{}, refused: map[string]Unit{}}
}

// Start reads the cache, then etcd's prefix once (within the timeout) and
// brings the cache up to date. When etcd cannot be read, the cache stays as
// it is (the runner serves it) and Start says so in the log: only a cache
// that cannot be read or written is an error.
func (m *Mirror) Start(ctx context.Context) error {
	good, rev, err := m.cache.Read()
	if err != nil {
		return err
	}
	m.good = good
	if err := m.resync(ctx); err != nil {
		if errors.Is(err, errCache) || errors.Is(err, ErrConfig) {
			return err
		}
		m.log.Warn("etcd unreachable; serving the scripts cached from it until it answers",
			zap.String("cache", m.cache.Dir), zap.Int64("revision", rev), zap.Strings("units", good.Names()), zap.Error(err))
		return nil
	}
	m.log.Info("scripts read from etcd", zap.String("prefix", m.prefix), zap.Int64("revision", m.rev),
		zap.Strings("units", m.good.Names()))
	return nil
}

// errCache marks a failure writing the cache (not etcd's).
var errCache = errors.New("fleet: cache")

// Run follows the prefix until ctx ends: it watches from the last revision
// read, reads the whole prefix again when that revision was compacted, and
// retries with backoff while etcd does not answer.
func (m *Mirror) Run(ctx context.Context) {
	wait := MinBackoff
	down := m.raw == nil // Start said so
	for ctx.Err() == nil {
		var err error
		switch {
		case m.raw == nil:
			err = m.resync(ctx)
		case down:
			err = m.connect(ctx) // then watch from the last revision seen
		}
		if err == nil {
			if down {
				m.log.Info("etcd answers again; scripts caught up", zap.Int64("revision", m.rev))
				down = false
			}
			wait = MinBackoff
			err = m.watch(ctx)
		}
		if ctx.Err() != nil {
			return
		}
		if !down {
			m.log.Warn("etcd unreachable; the cached scripts keep serving, retrying", zap.Error(err), zap.Duration("retry_in", wait))
			down = true
		}
		// The next try dials anew: etcd's client would wait out a backoff
		// of its own (up to minutes), and an etcd that restarted forgot
		// the login.
		m.Close()
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, MaxBackoff)
	}
}

// Close closes the connection to etcd, if any. Call it after Run.
func (m *Mirror) Close() {
	if m.cli != nil {
		m.cli.Close()
		m.cli = nil
	}
}

// dial makes the client, unless there is one.
func (m *Mirror) dial() error {
	if m.cli != nil {
		return nil
	}
	cli, err := Dial(m.opts)
	if err != nil {
		return err
	}
	m.cli = cli
	return nil
}

// connect dials etcd if need be and checks that it answers.
func (m *Mirror) connect(ctx context.Context) error {
	if err := m.dial(); err != nil {
		return err
	}
	return m.ping(ctx)
}

// resync reads the whole prefix and applies it, connecting first if need
// be.
func (m *Mirror) resync(ctx context.Context) error {
	if err := m.dial(); err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	resp, err := m.cli.Get(rctx, m.prefix, clientv3.WithPrefix())
	if err != nil {
		return fmt.Errorf("fleet: read %s: %w", m.prefix, err)
	}
	m.raw = make(map[string][]byte, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		m.raw[string(kv.Key)] = kv.Value
	}
	m.rev = resp.Header.Revision
	return m.apply(ctx)
}

// healthEvery is how often, in timeouts, a watch checks that etcd still
// answers: etcd's client retries a broken watch quietly, so without this
// an etcd that went away (or restarted, forgetting the login) would go
// unnoticed.
const healthEvery = 2

// watch applies the prefix's changes from the revision after m.rev until
// the watch ends: an error, etcd not answering, or a compaction (the next
// round reads all).
func (m *Mirror) watch(ctx context.Context) error {
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	wch := m.cli.Watch(wctx, m.prefix, clientv3.WithPrefix(), clientv3.WithRev(m.rev+1))
	health := time.NewTicker(healthEvery * m.timeout)
	defer health.Stop()
	for {
		var resp clientv3.WatchResponse
		var ok bool
		select {
		case resp, ok = <-wch:
		case <-health.C:
			if err := m.ping(ctx); err != nil {
				return err
			}
			continue
		}
		if !ok {
			break
		}
		if resp.CompactRevision != 0 {
			m.log.Info("etcd compacted past the last revision seen; reading every script again",
				zap.Int64("revision", m.rev), zap.Int64("compacted", resp.CompactRevision))
			m.raw = nil
			return nil
		}
		if err := resp.Err(); err != nil {
			return fmt.Errorf("fleet: watch %s: %w", m.prefix, err)
		}
		if len(resp.Events) == 0 {
			continue
		}
		for _, ev := range resp.Events {
			if ev.Type == mvccpb.DELETE {
				delete(m.raw, string(ev.Kv.Key))
			} else {
				m.raw[string(ev.Kv.Key)] = ev.Kv.Value
			}
		}
		m.rev = resp.Header.Revision
		if err := m.apply(ctx); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("fleet: watch %s ended", m.prefix)
}

// ping reads one key (counting only) to see that etcd answers.
func (m *Mirror) ping(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	if _, err := m.cli.Get(pctx, m.prefix+PushedKey, clientv3.WithCountOnly()); err != nil {
		return fmt.Errorf("fleet: etcd does not answer: %w", err)
	}
	return nil
}

// apply brings the cache to the good units of m.raw: a changed unit
// passes the gate first; one that does not keeps its last good version.
func (m *Mirror) apply(ctx context.Context) error {
	if m.afterApply != nil {
		defer m.afterApply(m.rev)
	}
	latest := setOf(m.prefix, m.raw)
	next := Set{}
	changed := false
	for _, name := range latest.Names() {
		u := latest[name]
		old, had := m.good[name]
		switch {
		case had && old.equal(u):
			next[name] = old
			delete(m.refused, name)
			continue
		case m.refused[name] != nil && m.refused[name].equal(u):
			if had {
				next[name] = old
			}
			continue
		}
		if m.gate != nil {
			if err := m.gate(ctx, name, u); err != nil {
				m.refused[name] = u
				msg := "script unit pushed to etcd fails check; not served"
				if had {
					next[name] = old
					msg = "script unit pushed to etcd fails check; its last good version keeps serving"
				}
				m.log.Error(msg, zap.String("unit", name), zap.Int64("revision", m.rev), zap.Error(err))
				continue
			}
		}
		delete(m.refused, name)
		next[name] = u
		changed = true
		m.log.Info("script unit taken from etcd", zap.String("unit", name), zap.Int64("revision", m.rev))
	}
	for _, name := range m.good.Names() {
		if _, ok := latest[name]; !ok {
			changed = true
			delete(m.refused, name)
			m.log.Info("script unit deleted from etcd", zap.String("unit", name), zap.Int64("revision", m.rev))
		}
	}
	for name := range m.refused {
		if _, ok := latest[name]; !ok {
			delete(m.refused, name)
		}
	}
	if !changed {
		return nil
	}
	if err := m.cache.Write(next, m.rev); err != nil {
		return fmt.Errorf("%w: %w", errCache, err)
	}
	m.good = next
	return nil
}
