package client

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Client behaves like one APISIX worker calling the runner: it keeps a pool
// of idle connections, prepares confs on a second connection while the
// call's connection is open, caches the tokens by key and, when the runner
// does not know a token, flushes them all, prepares again and retries, 3
// tries in total. It is safe for concurrent use; each call holds its own
// connection.
type Client struct {
	o      Options
	pool   pool
	tokens tokens
	// prepMu serializes PrepareConf like APISIX's shared lock.
	prepMu sync.Mutex
	stats  stats
}

type stats struct {
	dials, prepares, retries, calls, failures atomic.Uint64
}

// Stats are counts since the Client was made.
type Stats struct {
	// Dials counts connection attempts (the pool was empty).
	Dials uint64
	// Prepares counts PrepareConf requests answered with a token.
	Prepares uint64
	// Retries counts calls made again after CONF_TOKEN_NOT_FOUND.
	Retries uint64
	// Calls counts calls that got a reply; Failures those that did not
	// (after the retries).
	Calls    uint64
	Failures uint64
}

// New returns a Client for the runner at o.Path.
func New(o Options) *Client {
	c := &Client{o: o.withDefaults()}
	c.pool = pool{o: c.o, stats: &c.stats}
	c.tokens = tokens{ttl: c.o.TokenTTL}
	return c
}

// Stats returns the counts so far.
func (c *Client) Stats() Stats {
	return Stats{
		Dials: c.stats.dials.Load(), Prepares: c.stats.prepares.Load(),
		Retries: c.stats.retries.Load(), Calls: c.stats.calls.Load(),
		Failures: c.stats.failures.Load(),
	}
}

// ReqCall makes an HTTPReqCall for the route: r.ConfToken is set to the
// route's token, preparing it first when it is not cached.
func (c *Client) ReqCall(rt *Route, r *ReqCall, x ExtraProvider, out *ReqResult) error {
	return c.call(rt, r, nil, x, out, nil)
}

// RespCall makes an HTTPRespCall for the route, like ReqCall.
func (c *Client) RespCall(rt *Route, r *RespCall, x ExtraProvider, out *RespResult) error {
	return c.call(rt, nil, r, x, nil, out)
}

// Prepare returns the route's token, from the cache or from a PrepareConf.
func (c *Client) Prepare(rt *Route) (uint32, error) { return c.token(rt) }

// Token returns the cached token of key.
func (c *Client) Token(key string) (uint32, bool) { return c.tokens.get(key) }

// StoreToken caches token for key, as APISIX may hold a token the runner
// never gave (an earlier runner's, or an expired one).
func (c *Client) StoreToken(key string, token uint32) { c.tokens.put(key, token) }

// FlushTokens forgets every cached token.
func (c *Client) FlushTokens() { c.tokens.flush() }

// Idle is the number of connections in the keepalive pool.
func (c *Client) Idle() int { return c.pool.idleLen() }

// CloseIdle closes the idle connections, e.g. after the runner restarted.
func (c *Client) CloseIdle() { c.pool.closeIdle(false) }

// Close closes the idle connections; calls in flight close theirs when done.
func (c *Client) Close() { c.pool.closeIdle(true) }

func (c *Client) call(rt *Route, rq *ReqCall, rs *RespCall, x ExtraProvider, oq *ReqResult, ors *RespResult) error {
	var err error
	for try := 1; try <= c.o.Tries; try++ {
		if try > 1 {
			c.stats.retries.Add(1)
		}
		err = c.try(rt, rq, rs, x, oq, ors)
		if err == nil {
			c.stats.calls.Add(1)
			return nil
		}
		if !errors.Is(err, ErrTokenNotFound) {
			break
		}
		c.tokens.flush()
	}
	c.stats.failures.Add(1)
	return err
}

// try is one attempt: the call's connection is taken first, then the token
// (prepared on a second connection if needed), then the call is made.
func (c *Client) try(rt *Route, rq *ReqCall, rs *RespCall, x ExtraProvider, oq *ReqResult, ors *RespResult) error {
	cn, err := c.pool.get()
	if err != nil {
		return err
	}
	tok, err := c.token(rt)
	if err != nil {
		c.pool.put(cn, err)
		return err
	}
	if rq != nil {
		rq.ConfToken = tok
		err = cn.ReqCall(rq, x, oq)
	} else {
		rs.ConfToken = tok
		err = cn.RespCall(rs, x, ors)
	}
	c.pool.put(cn, err)
	return err
}

func (c *Client) token(rt *Route) (uint32, error) {
	if tok, ok := c.tokens.get(rt.Key); ok {
		return tok, nil
	}
	c.prepMu.Lock()
	defer c.prepMu.Unlock()
	if tok, ok := c.tokens.get(rt.Key); ok {
		return tok, nil
	}
	pc, err := c.pool.get()
	if err != nil {
		return 0, err
	}
	tok, err := pc.Prepare(rt.Key, rt.Conf)
	c.pool.put(pc, err)
	if err != nil {
		return 0, fmt.Errorf("client: prepare %s: %w", rt.Key, err)
	}
	c.stats.prepares.Add(1)
	c.tokens.put(rt.Key, tok)
	return tok, nil
}
