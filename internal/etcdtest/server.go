package etcdtest

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Bound caps the start and the stop of the server; neither is a speed
// requirement.
const Bound = time.Minute

// Server is an etcd started by Start.
type Server struct {
	// Endpoint is its client URL, http://127.0.0.1:PORT.
	Endpoint string

	t    testing.TB
	args []string // the command line
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	out  bytes.Buffer
}

func (s *Server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}

// Output is what etcd printed so far.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// freePort returns a port of 127.0.0.1 nobody listens on now.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// Start starts etcd and waits until it answers; it is stopped when the
// test ends (its output logged if the test failed).
func Start(t testing.TB) *Server {
	t.Helper()
	path, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("etcd is not installed (test.sh installs Debian's etcd-server as root): nothing to test against")
	}
	client := "http://127.0.0.1:" + freePort(t)
	peer := "http://127.0.0.1:" + freePort(t)
	s := &Server{Endpoint: client, t: t, done: make(chan struct{})}
	s.args = []string{path, "--name", "test", "--data-dir", filepath.Join(t.TempDir(), "data"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "test=" + peer}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("etcd output:\n%s", s.Output())
		}
	})
	s.start("", "")
	return s
}

// Restart starts s again after Stop, on the same data and ports, and
// waits until it answers; user and password log in for that wait once
// authentication is on.
func (s *Server) Restart(user, password string) {
	s.t.Helper()
	s.done = make(chan struct{})
	s.start(user, password)
}

// start runs etcd and waits until it answers a read as user.
func (s *Server) start(user, password string) {
	s.t.Helper()
	s.cmd = exec.Command(s.args[0], s.args[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = s, s
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start etcd: %v", err)
	}
	done := s.done
	go func() { _ = s.cmd.Wait(); close(done) }()
	cli := s.Client(user, password)
	ctx, cancel := context.WithTimeout(context.Background(), Bound)
	defer cancel()
	// The client retries until etcd listens: this returns once it answers.
	if _, err := cli.Get(ctx, "/etcdtest/ready"); err != nil {
		s.t.Fatalf("etcd does not answer within %s: %v\n%s", Bound, err, s.Output())
	}
}

// Client returns a client of s, logged in as user when not "", closed
// when the test ends.
func (s *Server) Client(user, password string) *clientv3.Client {
	s.t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{s.Endpoint}, DialTimeout: Bound, Username: user, Password: password})
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { cli.Close() })
	return cli
}

// Stop ends etcd (SIGTERM, SIGKILL past Bound) and waits for it; again is
// a no-op.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(Bound):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
