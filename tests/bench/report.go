package main

import (
	"fmt"
	"io"
	"time"
)

// result is one measured run; its JSON form is the line compare.sh reads.
type result struct {
	Label      string  `json:"label,omitempty"`
	Scenario   string  `json:"scenario"`
	Conns      int     `json:"conns"`
	Seconds    float64 `json:"seconds"`
	Requests   uint64  `json:"requests"`
	Errors     uint64  `json:"errors"`
	WarmErrors uint64  `json:"warmup_errors"`
	ConnsLost  int     `json:"conns_lost"`
	FirstError string  `json:"first_error,omitempty"`
	RPS        float64 `json:"rps"`
	MeanUs     float64 `json:"mean_us"`
	P50Us      float64 `json:"p50_us"`
	P99Us      float64 `json:"p99_us"`
	P999Us     float64 `json:"p999_us"`
	MaxUs      float64 `json:"max_us"`
	// RunnerCPUUs is the runner's CPU time per request, RunnerSysUs the
	// part spent in the kernel; absent without -pid.
	RunnerCPUUs *float64 `json:"runner_cpu_us_per_req,omitempty"`
	RunnerSysUs *float64 `json:"runner_sys_us_per_req,omitempty"`
	// LoadCPUUs is this tool's CPU time per request.
	LoadCPUUs  float64 `json:"load_cpu_us_per_req"`
	GoMaxProcs int     `json:"load_gomaxprocs"`
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func (r *result) fill(h *hist, runnerCPU cpuTimes, selfCPU time.Duration, haveRunner bool) {
	if r.Seconds > 0 {
		r.RPS = float64(r.Requests) / r.Seconds
	}
	r.MeanUs, r.MaxUs = us(h.mean()), us(time.Duration(h.max))
	r.P50Us, r.P99Us, r.P999Us = us(h.quantile(0.5)), us(h.quantile(0.99)), us(h.quantile(0.999))
	if r.Requests > 0 {
		r.LoadCPUUs = us(selfCPU) / float64(r.Requests)
		if haveRunner {
			v := us(runnerCPU.user+runnerCPU.sys) / float64(r.Requests)
			s := us(runnerCPU.sys) / float64(r.Requests)
			r.RunnerCPUUs, r.RunnerSysUs = &v, &s
		}
	}
}

func (r *result) print(w io.Writer) {
	name := r.Scenario
	if r.Label != "" {
		name = r.Label + " " + name
	}
	fmt.Fprintf(w, "%s, %d conns, %.1fs: %d requests, %.0f req/s, %d errors",
		name, r.Conns, r.Seconds, r.Requests, r.RPS, r.Errors)
	if r.ConnsLost > 0 {
		fmt.Fprintf(w, ", %d connections lost", r.ConnsLost)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  latency us: mean %.1f  p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
		r.MeanUs, r.P50Us, r.P99Us, r.P999Us, r.MaxUs)
	if r.RunnerCPUUs != nil {
		fmt.Fprintf(w, "  cpu per request: runner %.2f us (%.2f in the kernel), load tool %.2f us\n", *r.RunnerCPUUs, *r.RunnerSysUs, r.LoadCPUUs)
	} else {
		fmt.Fprintf(w, "  cpu per request: load tool %.2f us (give -pid for the runner's)\n", r.LoadCPUUs)
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "  first error: %s\n", r.FirstError)
	}
}
