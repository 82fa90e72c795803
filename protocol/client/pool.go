package client

import (
	"fmt"
	"sync"
	"time"
)

// pool is the keepalive pool of idle connections, like the one of an nginx
// worker: the most recently returned connection is reused first, idle ones
// older than IdleTimeout are dropped, and a full pool drops its oldest.
type pool struct {
	o      Options
	mu     sync.Mutex
	idle   []*Conn
	closed bool
	stats  *stats
}

func (p *pool) get() (*Conn, error) {
	now := time.Now()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("client: %w", ErrClosed)
	}
	for n := len(p.idle); n > 0; n = len(p.idle) {
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		if now.Sub(c.idleSince) <= p.o.IdleTimeout {
			p.mu.Unlock()
			return c, nil
		}
		_ = c.Close()
	}
	p.mu.Unlock()
	p.stats.dials.Add(1)
	return Dial(p.o)
}

// put returns c after a call; a connection whose call failed is closed, as
// APISIX closes it instead of keeping it alive.
func (p *pool) put(c *Conn, callErr error) {
	if callErr != nil || c.Err() != nil {
		_ = c.Close()
		return
	}
	c.idleSince = time.Now()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = c.Close()
		return
	}
	if len(p.idle) >= p.o.MaxIdle {
		_ = p.idle[0].Close()
		copy(p.idle, p.idle[1:])
		p.idle[len(p.idle)-1] = c
	} else {
		p.idle = append(p.idle, c)
	}
	p.mu.Unlock()
}

// closeIdle closes every idle connection; with final set the pool takes no
// more connections.
func (p *pool) closeIdle(final bool) {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	if final {
		p.closed = true
	}
	p.mu.Unlock()
	for _, c := range idle {
		_ = c.Close()
	}
}

func (p *pool) idleLen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}
