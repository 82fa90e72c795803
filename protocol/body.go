package protocol

import (
	"fmt"

	"go.uber.org/zap"
)

// A plugin's bodies are buffered in the runner until the reply is sent: the
// ResponseWriter's and Response's Write, Request.SetBody. Each buffer is
// capped at Config.MaxBodyBytes (config.yaml plugins.max_body_bytes): a
// write past it is refused (Write returns ErrBodyTooLarge, SetBody keeps the
// previous body) and the call is answered with an error, so that a plugin
// cannot make the runner hold more than that per call, nor a reply too
// large to frame.

// DefaultMaxBodyBytes is 12 MiB: a few MiB below the largest frame, which
// also carries the reply's headers.
const DefaultMaxBodyBytes = 12 << 20

// overBody checks a buffer of have bytes growing by add against the limit.
// Over it, it records the call's failure (reported when the plugin call
// returns) and returns the error the plugin sees. The views lock is held.
func (c *conn) overBody(what string, have, add int) error {
	limit := c.srv.cfg.MaxBodyBytes
	if have+add <= limit && have+add >= 0 {
		return nil
	}
	err := fmt.Errorf("protocol: %s of %d bytes: %w (%d bytes)", what, have+add, ErrBodyTooLarge, limit)
	if c.bodyErr == nil {
		c.bodyErr = err
	}
	return err
}

// takeBodyErr returns and clears the body failure of the plugin call that
// just returned, logging it.
func (c *conn) takeBodyErr(name, unit string) error {
	err := c.bodyErr
	if err == nil {
		return nil
	}
	c.bodyErr = nil
	c.srv.log.Warn("plugin body refused: the call is answered with an error",
		zap.String("plugin", name), zap.String("unit", unit), zap.Error(err))
	return fmt.Errorf("protocol: plugin %q: %w", name, err)
}
