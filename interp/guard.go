package interp

import (
	"context"
	"reflect"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"
)

// guardPath is the hidden package of the guard program (scripts cannot
// import it: bridge.ImportAccess says Unavailable).
const guardPath = "github.com/go-runner/go-runner/interp/guard"

const guardProgram = `package gorunnerguard

import guard "` + guardPath + `"

func init() { guard.Park() }
`

// guard is the one way to stop code running in a yaegi interpreter: the
// interpreter's stop, which only its *WithContext methods call when their
// context ends. It is armed before the unit loads: a tiny program runs under
// ExecuteWithContext and parks in a compiled function, so the interpreter's
// cancellation channel is set up once, before any script code, and every
// later frame (init, every plugin call) inherits it. stop then cancels that
// context: yaegi bumps the interpreter's run id (loops in flight exit) and
// closes the channel (channel operations in flight return). Nothing is
// compiled or written into the interpreter while script calls run, and the
// parked program resumes only after ExecuteWithContext has returned, which
// keeps yaegi's own result variables free of races.
type guard struct {
	mu       sync.Mutex
	state    guardState
	cancel   context.CancelFunc
	parked   chan struct{} // the guard program is running
	release  chan struct{} // closed by stop or free: the guard program may finish
	returned chan struct{} // ExecuteWithContext returned
}

type guardState int

const (
	armed    guardState = iota
	stopped             // the interpreter runs nothing any more
	released            // the guard program finished: the interpreter still works, but can no longer be stopped
)

// arm installs the guard in i, before the unit is evaluated.
func arm(i *yaegi.Interpreter) (*guard, error) {
	g := &guard{
		parked:   make(chan struct{}),
		release:  make(chan struct{}),
		returned: make(chan struct{}),
	}
	err := i.Use(yaegi.Exports{guardPath + "/guard": {
		"Park": reflect.ValueOf(func() {
			close(g.parked)
			<-g.release
		}),
	}})
	if err != nil {
		return nil, err
	}
	prog, err := i.Compile(guardProgram)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	failed := make(chan error, 1)
	go func() {
		defer close(g.returned)
		if _, err := i.ExecuteWithContext(ctx, prog); err != nil && ctx.Err() == nil {
			failed <- err
		}
	}()
	select {
	case <-g.parked:
		return g, nil
	case <-g.returned:
		cancel()
		select {
		case err := <-failed:
			return nil, err
		default:
			return nil, errGuardEnded
		}
	}
}

// stop stops every frame of the interpreter, for good, and reports whether
// it did: it does nothing once the guard is stopped or released.
func (g *guard) stop() bool {
	if !g.leave(stopped) {
		return false
	}
	g.cancel()
	<-g.returned
	close(g.release)
	return true
}

// free lets the guard program finish without stopping anything, so that
// the interpreter can be collected once no call uses it.
func (g *guard) free() {
	if !g.leave(released) {
		return
	}
	close(g.release)
	<-g.returned
	g.cancel()
}

// leave moves an armed guard to state s and reports whether it was armed.
func (g *guard) leave(s guardState) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state != armed {
		return false
	}
	g.state = s
	return true
}
