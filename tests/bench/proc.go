package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat (USER_HZ,
// 100 on Linux for every architecture Go supports).
const clockTick = 10 * time.Millisecond

// cpuTimes is the CPU time a process has used so far, all threads.
type cpuTimes struct{ user, sys time.Duration }

func (c cpuTimes) sub(o cpuTimes) cpuTimes { return cpuTimes{c.user - o.user, c.sys - o.sys} }

// procCPU returns the CPU time the process pid and its descendants (a
// supervised go-runner's workers) have used so far, from /proc/<pid>/stat.
func procCPU(pid int) (cpuTimes, error) {
	t, err := oneProcCPU(pid)
	if err != nil {
		return t, err
	}
	for _, c := range childrenOf(pid) {
		if ct, err := procCPU(c); err == nil {
			t.user += ct.user
			t.sys += ct.sys
		}
	}
	return t, nil
}

// childrenOf lists the children of pid's threads.
func childrenOf(pid int) []int {
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range bytes.Fields(b) {
			if c, err := strconv.Atoi(string(f)); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// oneProcCPU returns the CPU time the process pid has used so far.
func oneProcCPU(pid int) (cpuTimes, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return cpuTimes{}, fmt.Errorf("bench: %w: %w", errProcStat, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return cpuTimes{}, fmt.Errorf("bench: %w: pid %d: no command field", errProcStat, pid)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return cpuTimes{}, fmt.Errorf("bench: %w: pid %d: %d fields", errProcStat, pid, len(f)+2)
	}
	ut, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	st, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return cpuTimes{}, fmt.Errorf("bench: %w: pid %d: utime %q stime %q", errProcStat, pid, f[11], f[12])
	}
	return cpuTimes{time.Duration(ut) * clockTick, time.Duration(st) * clockTick}, nil
}

// selfCPU is the CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
