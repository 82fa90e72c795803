package supervisor

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The shared state of one worker: a memory file that the worker writes with
// atomic stores and the supervisor reads, also after the worker died.
//
//	offset 0   uint32  magic
//	offset 4   uint32  calls past their deadline still running (stuck)
//	offset 64  maxSlots slots of 16 bytes: uint64 goroutine id of the
//	           connection, uint32 index+1 of the unit it runs (0: none)
const (
	sharedMagic  = 0x67727331 // "grs1"
	maxSlots     = 4096
	headerSize   = 64
	slotSize     = 16
	sharedSize   = headerSize + maxSlots*slotSize
	offMagic     = 0
	offStuck     = 4
	slotOffGID   = 0
	slotOffUnit  = 8
	sharedMemfdN = "go-runner-worker-state"
)

type shared struct{ mem []byte }

// newShared creates the state of a new worker: the file to hand over, and
// the supervisor's mapping of it.
func newShared() (*os.File, *shared, error) {
	fd, err := unix.MemfdCreate(sharedMemfdN, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, nil, fmt.Errorf("supervisor: memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), sharedMemfdN)
	if err := f.Truncate(sharedSize); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("supervisor: size shared state: %w", err)
	}
	s, err := mapShared(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	s.u32(offMagic).Store(sharedMagic)
	return f, s, nil
}

// mapShared maps the state file f.
func mapShared(f *os.File) (*shared, error) {
	mem, err := unix.Mmap(int(f.Fd()), 0, sharedSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("supervisor: map shared state: %w", err)
	}
	return &shared{mem: mem}, nil
}

func (s *shared) unmap() { _ = unix.Munmap(s.mem) }

func (s *shared) u32(off int) *atomic.Uint32 { return (*atomic.Uint32)(unsafe.Pointer(&s.mem[off])) }
func (s *shared) u64(off int) *atomic.Uint64 { return (*atomic.Uint64)(unsafe.Pointer(&s.mem[off])) }

func slotOff(i int) int { return headerSize + i*slotSize }

func (s *shared) slotGID(i int) *atomic.Uint64  { return s.u64(slotOff(i) + slotOffGID) }
func (s *shared) slotUnit(i int) *atomic.Uint32 { return s.u32(slotOff(i) + slotOffUnit) }

func (s *shared) stuck() int { return int(s.u32(offStuck).Load()) }

// inFlight is what the worker was running when it was read: for the
// goroutine of each connection, the index+1 of the unit of the plugin call
// it was in, 0 when it was in none.
type inFlight map[uint64]uint32

func (s *shared) inFlight() inFlight {
	m := inFlight{}
	for i := range maxSlots {
		if gid := s.slotGID(i).Load(); gid != 0 {
			m[gid] = s.slotUnit(i).Load()
		}
	}
	return m
}
