package supervisor

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// Connections travel between processes on a socket pair of SOCK_SEQPACKET
// (fd 7 in a worker): one packet per connection, its descriptor attached
// (SCM_RIGHTS), its payload the bytes the giver had read of it and not
// served. A packet is always followed, on the message pipe, by the message
// that says what to do with it ("handed" to the supervisor, "adopt" to a
// worker), so that it is taken in order with the confs: the receiver reads
// the packet when it reads that message.

// maxBuffered bounds the bytes sent with a connection: at most what a
// worker's read buffer holds.
const maxBuffered = 64 << 10

// newHandoffPair returns the supervisor's end and the worker's end.
func newHandoffPair() (*net.UnixConn, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("supervisor: handover socket pair: %w", err)
	}
	mine := os.NewFile(uintptr(fds[0]), "handover")
	c, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		unix.Close(fds[1])
		return nil, nil, fmt.Errorf("supervisor: handover socket: %w", err)
	}
	return c.(*net.UnixConn), os.NewFile(uintptr(fds[1]), "handover"), nil
}

// sendConn sends one connection's descriptor and buffered bytes.
func sendConn(c *net.UnixConn, f *os.File, buffered []byte) error {
	if len(buffered) > maxBuffered {
		return fmt.Errorf("supervisor: %d bytes buffered on a connection, more than %d", len(buffered), maxBuffered)
	}
	if _, _, err := c.WriteMsgUnix(append([]byte{'c'}, buffered...), unix.UnixRights(int(f.Fd())), nil); err != nil {
		return fmt.Errorf("supervisor: send a connection: %w", err)
	}
	return nil
}

// recvConn receives one connection: its file and buffered bytes.
func recvConn(c *net.UnixConn) (*os.File, []byte, error) {
	buf := make([]byte, maxBuffered+1)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, nil, fmt.Errorf("supervisor: receive a connection: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, nil, fmt.Errorf("supervisor: %w: a connection packet without its descriptor", ErrBadMessage)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 || n < 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, nil, fmt.Errorf("supervisor: %w: a connection packet without its descriptor", ErrBadMessage)
	}
	unix.CloseOnExec(fds[0])
	return os.NewFile(uintptr(fds[0]), "conn"), buf[1:n], nil
}
