package supervisor

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// worker is the supervisor's handle on one worker process. Only the
// supervisor's loop touches its fields after start.
type worker struct {
	id      int
	cmd     *exec.Cmd
	pid     int
	started time.Time
	// progress is when its start last went on: started, then each
	// msgLoading until it is ready.
	progress time.Time
	state    *shared
	down     *sender
	downW    *os.File
	hand     *net.UnixConn // connections handed over (handover.go)
	crash    crash
	units    map[uint32]UnitVersion

	ready    bool
	usr1     bool // SIGUSR1 came while it was starting
	serving  bool
	draining bool
	drainAt  time.Time
	killed   string // why the supervisor killed it, if it did
}

// exitInfo is how a worker ended.
type exitInfo struct {
	code   int    // exit code, -1 when killed by a signal
	status string // as the OS says it
}

// event is what the loop learns about a worker: a message, or its end
// (sent after every message it wrote and all of its stderr).
type event struct {
	w    *worker
	msg  *message
	exit *exitInfo
}

// start starts a worker process and sends it its init message.
func (s *Supervisor) start() (*worker, error) {
	stateFile, st, err := newShared()
	if err != nil {
		return nil, err
	}
	var closeLater []*os.File
	defer func() {
		for _, f := range closeLater {
			f.Close()
		}
	}()
	closeLater = append(closeLater, stateFile)
	upR, upW, err := os.Pipe()
	if err != nil {
		st.unmap()
		return nil, fmt.Errorf("supervisor: pipe: %w", err)
	}
	downR, downW, err := os.Pipe()
	if err != nil {
		st.unmap()
		upR.Close()
		upW.Close()
		return nil, fmt.Errorf("supervisor: pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		st.unmap()
		upR.Close()
		upW.Close()
		downR.Close()
		downW.Close()
		return nil, fmt.Errorf("supervisor: pipe: %w", err)
	}
	hand, handW, err := newHandoffPair()
	if err != nil {
		st.unmap()
		upR.Close()
		downW.Close()
		errR.Close()
		return nil, err
	}
	closeLater = append(closeLater, upW, downR, errW, handW)

	s.nextID++
	w := &worker{id: s.nextID, state: st, downW: downW, down: &sender{w: downW}, hand: hand, units: map[uint32]UnitVersion{}}
	cmd := exec.Command(s.cfg.Exe, s.cfg.Args...)
	cmd.Env = append(append([]string(nil), s.cfg.Env...), EnvWorker+"="+workerCookie)
	cmd.Stdout = s.cfg.Stdout
	cmd.Stderr = errW
	cmd.ExtraFiles = []*os.File{s.lisFile, stateFile, upW, downR, handW}
	if s.metFile != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, s.metFile)
		cmd.Env = append(cmd.Env, envMetrics+"=1")
	}
	// The kernel kills the worker when the thread that started it ends:
	// the loop's thread, locked, which ends only when Run returns.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		st.unmap()
		upR.Close()
		downW.Close()
		errR.Close()
		hand.Close()
		return nil, fmt.Errorf("supervisor: %w: %w", ErrWorkerStart, err)
	}
	w.cmd, w.pid, w.started = cmd, cmd.Process.Pid, time.Now()
	w.progress = w.started
	_ = w.down.send(&message{Type: msgInit, TokenBase: s.tokenBase + uint32(w.id)<<24, Quarantine: s.quar.list(), Proven: s.provenList()})

	relayed := make(chan struct{})
	go func() {
		defer close(relayed)
		w.crash.relay(errR, s.cfg.Stderr)
		errR.Close()
	}()
	go func() {
		rcv := newReceiver(upR)
		for {
			m, err := rcv.next()
			if err != nil {
				break
			}
			s.events <- event{w: w, msg: m}
		}
		// Read to the end so that a worker blocked writing can exit.
		_, _ = io.Copy(io.Discard, upR)
		upR.Close()
		_ = cmd.Wait()
		<-relayed
		ps := cmd.ProcessState
		s.events <- event{w: w, exit: &exitInfo{code: ps.ExitCode(), status: ps.String()}}
	}()
	return w, nil
}

func (w *worker) signal(sig os.Signal) { _ = w.cmd.Process.Signal(sig) }

// startStalled reports whether w, not ready yet, went without progress
// (a unit begun) for longer than limit.
func (w *worker) startStalled(now time.Time, limit time.Duration) bool {
	return !w.ready && now.Sub(w.progress) > limit
}

func (w *worker) kill(why string) {
	if w.killed == "" {
		w.killed = why
	}
	w.signal(syscall.SIGKILL)
}

// rss is the worker's resident memory in bytes, 0 when unknown.
func (w *worker) rss() uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(w.pid) + "/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// suspects are the unit versions to blame for the worker's death: the unit
// of the plugin call the crashing goroutine was in, when the trace names a
// goroutine the shared state knows (precise). A goroutine it does not know
// (one a script started through the standard library, a timer's) is
// blamed on nobody: the units with calls in flight then are as likely to
// be innocent, and quarantining them would refuse their routes.
func (w *worker) suspects() (blamed []UnitVersion, precise bool) {
	_, gid := w.crash.get()
	if gid == 0 {
		return nil, false
	}
	u, ok := w.state.inFlight()[gid]
	if !ok {
		return nil, false
	}
	if uv, ok := w.units[u-1]; ok && u != 0 {
		return []UnitVersion{uv}, true
	}
	return nil, true // the runner's own code
}
