package protocol

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// Catalog resolves plugin names to the plugins currently served.
type Catalog interface {
	Lookup(name string) *plugin.Spec
}

// rawConf is one entry of a PrepareConf as APISIX sent it.
type rawConf struct {
	name, value string
}

// bound is a plugin with its parsed conf.
type bound struct {
	spec *plugin.Spec
	conf any
}

// chain is the parsed plugin list of a conf entry. err is set when the entry
// cannot serve (fail closed), e.g. after a reload whose new version rejects
// the conf.
type chain struct {
	plugins []bound
	err     error
}

// confEntry is one prepared conf. Its chain is swapped whole on rebind, so a
// call in flight finishes with the chain it started with.
type confEntry struct {
	key     string
	token   uint32
	raw     []rawConf
	expires atomic.Int64 // unix nanos
	chain   atomic.Pointer[chain]
}

// parser parses one conf with a plugin, guarded against panics and overruns.
type parser func(spec *plugin.Spec, value string) (any, error)

// confCache maps conf tokens to prepared chains. Tokens start at a random
// number so that a restarted runner never hands out a token APISIX still
// holds for another route.
type confCache struct {
	ttl  time.Duration
	skip bool // skip unknown plugins and rejected confs (reference behaviour)

	next atomic.Uint32

	mu      sync.RWMutex
	byToken map[uint32]*confEntry
	byKey   map[string]*confEntry
}

// newConfCache returns an empty cache whose tokens follow base; 0 picks a
// random base.
func newConfCache(ttl time.Duration, skip bool, base uint32) *confCache {
	c := &confCache{ttl: ttl, skip: skip, byToken: make(map[uint32]*confEntry), byKey: make(map[string]*confEntry)}
	if base == 0 {
		var seed [4]byte
		_, _ = rand.Read(seed[:])
		base = binary.BigEndian.Uint32(seed[:])
	}
	c.next.Store(base)
	return c
}

// newToken returns a token no entry holds: entries installed from another
// process keep theirs.
func (c *confCache) newToken() uint32 {
	for {
		t := c.next.Add(1)
		if t == 0 {
			continue
		}
		c.mu.RLock()
		_, held := c.byToken[t]
		c.mu.RUnlock()
		if !held {
			return t
		}
	}
}

// lookup returns the live entry for token, or nil.
func (c *confCache) lookup(token uint32, now int64) *confEntry {
	c.mu.RLock()
	e := c.byToken[token]
	c.mu.RUnlock()
	if e == nil || e.expires.Load() < now {
		return nil
	}
	return e
}

// skipped reports a conf entry left out of a chain under the skip policy.
type skipped struct {
	name string
	err  error
}

// ConfError is a conf entry that cannot be served: its plugin is unknown or
// rejected the conf.
type ConfError struct {
	Index  int    // position in the conf list
	Plugin string // the entry's plugin name
	Err    error  // wraps ErrUnknownPlugin or ErrBadConf
	// Suggest is the served plugin whose name is closest to an unknown
	// Plugin, when the catalog can tell (a *plugin.Registry can); "" if none.
	Suggest string
}

func (e *ConfError) Error() string {
	if e.Suggest != "" {
		return fmt.Sprintf("protocol: conf entry %d, plugin %q: %v; did you mean %q?", e.Index, e.Plugin, e.Err, e.Suggest)
	}
	return fmt.Sprintf("protocol: conf entry %d, plugin %q: %v", e.Index, e.Plugin, e.Err)
}

// suggester is a Catalog that can name the plugin closest to a name it
// lacks (plugin.Registry.Suggest).
type suggester interface {
	Suggest(name string) string
}

func (e *ConfError) Unwrap() error { return e.Err }

// prepare returns the entry for key, building the chain when the key is new
// or expired. The same key gets the same token while it lives.
func (c *confCache) prepare(key string, raw []rawConf, cat Catalog, parse parser, now time.Time) (*confEntry, []skipped, error) {
	if key != "" {
		c.mu.RLock()
		e := c.byKey[key]
		c.mu.RUnlock()
		if e != nil && e.expires.Load() >= now.UnixNano() {
			e.expires.Store(now.Add(c.ttl).UnixNano())
			return e, nil, nil
		}
	}
	ch, skips := c.build(raw, nil, cat, parse)
	if ch.err != nil {
		return nil, skips, ch.err
	}
	e := &confEntry{key: key, token: c.newToken(), raw: raw}
	e.expires.Store(now.Add(c.ttl).UnixNano())
	e.chain.Store(ch)
	c.mu.Lock()
	c.byToken[e.token] = e
	if key != "" {
		if old := c.byKey[key]; old != nil {
			delete(c.byToken, old.token)
		}
		c.byKey[key] = e
	}
	c.mu.Unlock()
	return e, skips, nil
}

// install adds an entry prepared by another process under its token. A
// token already held is left as it is; the key names the entry that lives
// longest. It reports whether the entry was added.
func (c *confCache) install(key string, token uint32, raw []rawConf, expires time.Time, cat Catalog, parse parser) bool {
	if token == 0 {
		return false
	}
	c.mu.RLock()
	_, held := c.byToken[token]
	c.mu.RUnlock()
	if held {
		return false
	}
	ch, _ := c.build(raw, nil, cat, parse)
	e := &confEntry{key: key, token: token, raw: raw}
	e.expires.Store(expires.UnixNano())
	e.chain.Store(ch)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, held := c.byToken[token]; held {
		return false
	}
	c.byToken[token] = e
	if key != "" {
		if old := c.byKey[key]; old == nil || old.expires.Load() < e.expires.Load() {
			c.byKey[key] = e
		}
	}
	return true
}

// build parses raw into a chain. Entries whose plugin is unchanged since old
// keep their parsed conf.
func (c *confCache) build(raw []rawConf, old *chain, cat Catalog, parse parser) (*chain, []skipped) {
	ch := &chain{plugins: make([]bound, 0, len(raw))}
	var skips []skipped
	for i, rc := range raw {
		spec := cat.Lookup(rc.name)
		if spec == nil {
			err := &ConfError{Index: i, Plugin: rc.name, Err: ErrUnknownPlugin}
			if sg, ok := cat.(suggester); ok {
				err.Suggest = sg.Suggest(rc.name)
			}
			if c.skip {
				skips = append(skips, skipped{rc.name, err})
				continue
			}
			return &chain{err: err}, skips
		}
		if b, ok := old.reuse(spec); ok {
			ch.plugins = append(ch.plugins, b)
			continue
		}
		conf, err := parse(spec, rc.value)
		if err != nil {
			err = &ConfError{Index: i, Plugin: rc.name, Err: fmt.Errorf("%w: %w", ErrBadConf, err)}
			if c.skip {
				skips = append(skips, skipped{rc.name, err})
				continue
			}
			return &chain{err: err}, skips
		}
		ch.plugins = append(ch.plugins, bound{spec: spec, conf: conf})
	}
	return ch, skips
}

func (ch *chain) reuse(spec *plugin.Spec) (bound, bool) {
	if ch == nil {
		return bound{}, false
	}
	for _, b := range ch.plugins {
		if b.spec == spec {
			return b, true
		}
	}
	return bound{}, false
}

// rebindResult describes what a rebind did to one entry.
type rebindResult struct {
	key string
	err error
}

// rebind re-parses every live entry against cat, keeping tokens. Entries the
// new plugins reject fail closed until APISIX prepares a new conf.
func (c *confCache) rebind(cat Catalog, parse parser, now int64) (changed int, failed []rebindResult) {
	c.mu.RLock()
	entries := make([]*confEntry, 0, len(c.byToken))
	for _, e := range c.byToken {
		if e.expires.Load() >= now {
			entries = append(entries, e)
		}
	}
	c.mu.RUnlock()
	for _, e := range entries {
		old := e.chain.Load()
		ch, _ := c.build(e.raw, old, cat, parse)
		if sameChain(old, ch) {
			continue
		}
		e.chain.Store(ch)
		changed++
		if ch.err != nil {
			failed = append(failed, rebindResult{e.key, ch.err})
		}
	}
	return changed, failed
}

func sameChain(a, b *chain) bool {
	if a.err != nil || b.err != nil || len(a.plugins) != len(b.plugins) {
		return false
	}
	for i := range a.plugins {
		if a.plugins[i].spec != b.plugins[i].spec {
			return false
		}
	}
	return true
}

// sweep drops expired entries.
func (c *confCache) sweep(now int64) {
	c.mu.Lock()
	for t, e := range c.byToken {
		if e.expires.Load() < now {
			delete(c.byToken, t)
			if c.byKey[e.key] == e {
				delete(c.byKey, e.key)
			}
		}
	}
	c.mu.Unlock()
}

// len is the number of entries held, expired or not.
func (c *confCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byToken)
}
