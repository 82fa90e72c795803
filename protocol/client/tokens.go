package client

import (
	"sync"
	"time"
)

// tokens is APISIX's conf token cache: key to token, each entry kept for the
// TTL, flushed whole when the runner does not know a token.
type tokens struct {
	ttl time.Duration
	mu  sync.RWMutex
	m   map[string]tokenEntry
}

type tokenEntry struct {
	token   uint32
	expires time.Time
}

func (t *tokens) get(key string) (uint32, bool) {
	t.mu.RLock()
	e, ok := t.m[key]
	t.mu.RUnlock()
	if !ok || time.Now().After(e.expires) {
		return 0, false
	}
	return e.token, true
}

func (t *tokens) put(key string, token uint32) {
	t.mu.Lock()
	if t.m == nil {
		t.m = make(map[string]tokenEntry)
	}
	t.m[key] = tokenEntry{token: token, expires: time.Now().Add(t.ttl)}
	t.mu.Unlock()
}

func (t *tokens) flush() {
	t.mu.Lock()
	clear(t.m)
	t.mu.Unlock()
}
