package fleet

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// DefaultPrefix is the default prefix of the script keys.
const DefaultPrefix = "/go-runner/scripts/"

// Options are the etcd settings, as APISIX's own etcd block has them.
type Options struct {
	// Endpoints are etcd's client URLs, e.g. http://127.0.0.1:2379.
	Endpoints []string
	// Prefix is where the scripts are; it ends with "/".
	Prefix string
	// Timeout bounds dialing and each request.
	Timeout time.Duration
	// User and Password, when User is set, authenticate (etcd's RBAC).
	User, Password string
	// Cert and Key, when set, are the client certificate (PEM files); CA
	// verifies the server (the system's roots when empty); Verify false
	// skips verifying the server's certificate.
	Cert, Key, CA string
	Verify        bool
	// Logger logs the client's own trouble (nil: none).
	Logger *zap.Logger
}

// tlsOn reports whether the endpoints use TLS: an https URL or a TLS file.
func (o Options) tlsOn() bool {
	if o.Cert != "" || o.CA != "" {
		return true
	}
	for _, e := range o.Endpoints {
		if len(e) > 8 && e[:8] == "https://" {
			return true
		}
	}
	return false
}

// tlsConfig builds the TLS settings of o, nil for plain connections.
func (o Options) tlsConfig() (*tls.Config, error) {
	if !o.tlsOn() {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: !o.Verify} // verify: false is the operator's choice, as in APISIX
	if (o.Cert == "") != (o.Key == "") {
		return nil, fmt.Errorf("%w: tls cert and key go together", ErrConfig)
	}
	if o.Cert != "" {
		pair, err := tls.LoadX509KeyPair(o.Cert, o.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: tls cert: %w", ErrConfig, err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	if o.CA != "" {
		pem, err := os.ReadFile(o.CA)
		if err != nil {
			return nil, fmt.Errorf("%w: tls ca: %w", ErrConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: tls ca %s: no PEM certificate in it", ErrConfig, o.CA)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// Dial returns a client of o's etcd. It does not wait for etcd: a request
// made while etcd is unreachable fails after Timeout.
func Dial(o Options) (*clientv3.Client, error) {
	tc, err := o.tlsConfig()
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = zap.NewNop()
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   o.Endpoints,
		DialTimeout: o.Timeout,
		Username:    o.User,
		Password:    o.Password,
		TLS:         tc,
		Logger:      log,
	})
	if err != nil {
		return nil, fmt.Errorf("fleet: etcd client: %w", err)
	}
	return cli, nil
}
