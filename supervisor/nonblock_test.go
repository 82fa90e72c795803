package supervisor

import (
	"net"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNonblockingAfterExec: exec takes a listener file's Fd, which puts the
// open file description every worker shares in blocking mode; nonblocking
// undoes it.
func TestNonblockingAfterExec(t *testing.T) {
	l, err := net.Listen("unix", filepath.Join(t.TempDir(), "s.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := l.(*net.UnixListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.Fd()) // what os/exec does with ExtraFiles
	flags := func() int {
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fl
	}
	if flags()&syscall.O_NONBLOCK != 0 {
		t.Fatal("Fd left the listener non-blocking: the premise of nonblocking is gone")
	}
	nonblocking(f)
	if flags()&syscall.O_NONBLOCK == 0 {
		t.Fatal("the listener is still in blocking mode")
	}
}
