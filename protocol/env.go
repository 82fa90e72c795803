package protocol

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Environment variables APISIX sets for the runner it starts.
const (
	EnvListenAddress  = "APISIX_LISTEN_ADDRESS"
	EnvConfExpireTime = "APISIX_CONF_EXPIRE_TIME"
)

// DefaultAddress is the socket of the development setup (path_for_test).
const DefaultAddress = "unix:/tmp/runner.sock"

// ConfTTLFactor is how much longer than APISIX the runner keeps a conf, so
// that APISIX's token always expires first.
const ConfTTLFactor = 1.2

// ParseExpireTime turns an APISIX_CONF_EXPIRE_TIME value (whole seconds,
// at least 1) into the conf TTL: ConfTTLFactor times it.
func ParseExpireTime(v string) (time.Duration, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > 10*365*24*3600 {
		return 0, fmt.Errorf("protocol: %s=%q: want whole seconds from 1 to %d", EnvConfExpireTime, v, 10*365*24*3600)
	}
	return time.Duration(float64(time.Duration(n)*time.Second) * ConfTTLFactor), nil
}

// FromEnv returns the listen address and conf TTL APISIX asks for, falling
// back to addr and ttl when a variable is unset.
func FromEnv(addr string, ttl time.Duration) (string, time.Duration, error) {
	if v, ok := os.LookupEnv(EnvListenAddress); ok {
		addr = v
	}
	if _, err := ParseAddress(addr); err != nil {
		return "", 0, err
	}
	if v, ok := os.LookupEnv(EnvConfExpireTime); ok {
		d, err := ParseExpireTime(v)
		if err != nil {
			return "", 0, err
		}
		ttl = d
	}
	return addr, ttl, nil
}

// Run serves l until ctx ends, then shuts down, giving calls in flight up
// to grace to finish.
func Run(ctx context.Context, s *Server, l net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := s.Shutdown(sctx)
	select {
	case serr := <-errc:
		if serr != nil && !errors.Is(serr, ErrServerClosed) && err == nil {
			err = serr
		}
	case <-sctx.Done():
		// Serve's Accept is blocked in the system call (closeListener).
	}
	return err
}
