package supervisor

import (
	"net"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestInheritableStaysNonblocking: exec takes each ExtraFile's Fd, which
// puts a File of a net listener (l.File()) in blocking mode, and the mode
// belongs to the socket every worker shares. inheritable's file does not.
func TestInheritableStaysNonblocking(t *testing.T) {
	l, err := net.Listen("unix", filepath.Join(t.TempDir(), "s.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := inheritable(l.(*net.UnixListener))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := f.Fd() // what os/exec does with ExtraFiles
	fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fl&syscall.O_NONBLOCK == 0 {
		t.Fatal("handing the listener to a worker put the shared socket in blocking mode")
	}
}
