package client

import "time"

// Options configure a Conn or a Client. Zero fields take APISIX's values
// (see apisix_rules.go); tests shorten the timeouts.
type Options struct {
	// Path of the runner's unix socket.
	Path string
	// ConnectTimeout bounds a dial (1 s).
	ConnectTimeout time.Duration
	// IOTimeout bounds every write and every read of a frame (60 s).
	IOTimeout time.Duration
	// MaxIdle is the size of the keepalive pool (32).
	MaxIdle int
	// IdleTimeout is how long an idle connection is kept (180 s).
	IdleTimeout time.Duration
	// Tries is how many times a call is made when the runner does not know
	// the conf token (3).
	Tries int
	// TokenTTL is how long a conf token is cached (3600 s, which is
	// APISIX_CONF_EXPIRE_TIME).
	TokenTTL time.Duration
	// MaxExtraTrips bounds the ExtraInfo round trips of one call (65536).
	MaxExtraTrips int
}

func (o Options) withDefaults() Options {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.IOTimeout <= 0 {
		o.IOTimeout = DefaultIOTimeout
	}
	if o.MaxIdle <= 0 {
		o.MaxIdle = DefaultMaxIdle
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.Tries <= 0 {
		o.Tries = DefaultTries
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.MaxExtraTrips <= 0 {
		o.MaxExtraTrips = DefaultMaxExtraTrips
	}
	return o
}
