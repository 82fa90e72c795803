package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"

	"go.uber.org/zap"
)

// profiler is --mode prof in the serving process (the worker when
// supervised): a CPU profile from the start, written with a heap profile
// when the process stops serving. The CPU profile is kept in memory and
// each file is renamed into place complete, so that a worker killed
// mid-way leaves no partial file, and a worker replacing another does not
// truncate the file the other is writing.
type profiler struct {
	dir string
	log *zap.Logger
	cpu bytes.Buffer
	// cpuOn is whether the CPU profile started.
	cpuOn bool
}

// startProfiles starts the CPU profile. A profile that cannot start is
// logged: the runner serves without it.
func startProfiles(dir string, log *zap.Logger) *profiler {
	p := &profiler{dir: dir, log: log.Named("profile")}
	if err := pprof.StartCPUProfile(&p.cpu); err != nil {
		p.log.Error("CPU profile not started", zap.Error(err))
		return p
	}
	p.cpuOn = true
	return p
}

// stop ends the CPU profile and writes it and a heap profile into the
// directory: cpuProfileFile and memProfileFile. It is quick (a GC and two
// small files), well within the shutdown grace APISIX leaves.
func (p *profiler) stop() {
	if p.cpuOn {
		pprof.StopCPUProfile()
		p.cpuOn = false
		p.write(cpuProfileFile, p.cpu.Bytes())
	}
	runtime.GC() // the heap profile is as of the last GC
	var heap bytes.Buffer
	if err := pprof.WriteHeapProfile(&heap); err != nil {
		p.log.Error("heap profile not written", zap.Error(err))
		return
	}
	p.write(memProfileFile, heap.Bytes())
}

func (p *profiler) write(name string, b []byte) {
	path := filepath.Join(p.dir, name)
	if err := writeFileAtomic(path, b); err != nil {
		p.log.Error("profile not written", zap.String("file", path), zap.Error(err))
		return
	}
	p.log.Info("profile written", zap.String("file", path), zap.Int("bytes", len(b)))
}

// writeFileAtomic writes b to path through a temporary file in its
// directory, created when missing, renamed over path once complete.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := firstErr(werr, cerr, os.Chmod(f.Name(), 0o644)); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("profile: %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("profile: %w", err)
	}
	return nil
}

// firstErr is the first non-nil error of errs.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
