package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

type options struct {
	socket   string
	scenario string
	conns    int
	duration time.Duration
	warmup   time.Duration
	pid      int
	label    string
	jsonOnly bool
}

func main() {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.socket, "socket", "/tmp/runner.sock", "runner socket path")
	fs.StringVar(&o.scenario, "scenario", "say", "scenarios to run, comma-separated, or all ("+scenarioNames()+")")
	fs.IntVar(&o.conns, "conns", 16, "kept-alive connections, one call in flight on each")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per scenario")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured time before each measurement")
	fs.IntVar(&o.pid, "pid", 0, "runner process id: report its CPU time per request")
	fs.StringVar(&o.label, "label", "", "runner name for the JSON line")
	fs.BoolVar(&o.jsonOnly, "json", false, "print only the JSON lines")
	var so summaryOptions
	var labels string
	fs.StringVar(&so.file, "summary", "", "instead of running, print the comparison table of the JSON lines in this file")
	fs.StringVar(&labels, "labels", "", "with -summary: column order, comma-separated; the first is the base of the ratios")
	fs.StringVar(&so.ceiling, "ceiling", "", "with -summary: label of the do-nothing runner")
	targets := fs.String("targets", defaultTargets, "with -summary: label/scenario=ratio, comma-separated: requests/s each must reach at 16 connections, as a multiple of the base's, with p99 no worse")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if so.file != "" {
		if labels != "" {
			so.labels = strings.Split(labels, ",")
		}
		ts, err := parseTargets(*targets)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		so.targets = ts
		if err := summarize(so, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(o options, out io.Writer) error {
	if o.conns < 1 || o.duration <= 0 || o.warmup < 0 {
		return fmt.Errorf("bench: %w: -conns must be at least 1 and -duration positive", errUsage)
	}
	var list []*scenario
	if o.scenario == "all" {
		list = scenarios
	} else {
		for _, name := range strings.Split(o.scenario, ",") {
			sc, err := findScenario(strings.TrimSpace(name))
			if err != nil {
				return fmt.Errorf("bench: %w: %w", errUsage, err)
			}
			list = append(list, sc)
		}
	}
	failed := false
	for _, sc := range list {
		res, err := runScenario(o, sc)
		if err != nil {
			return err
		}
		if !o.jsonOnly {
			res.print(out)
		}
		j, _ := json.Marshal(res)
		fmt.Fprintln(out, string(j))
		failed = failed || res.Errors > 0 || res.ConnsLost > 0 || res.Requests == 0
	}
	if failed {
		return errors.New("bench: some calls failed")
	}
	return nil
}

// runScenario prepares the scenario's conf, warms up and measures.
func runScenario(o options, sc *scenario) (*result, error) {
	copts := client.Options{Path: o.socket, ConnectTimeout: 2 * time.Second, IOTimeout: 10 * time.Second}
	pc, err := client.Dial(copts)
	if err != nil {
		return nil, err
	}
	tok, err := pc.Prepare(sc.key(), sc.conf)
	_ = pc.Close()
	if err != nil {
		return nil, fmt.Errorf("bench: %s: prepare conf: %w", sc.name, err)
	}
	tpl, err := newTemplate(sc.resp, tok)
	if err != nil {
		return nil, err
	}
	var enc client.Encoder
	extra, err := client.AppendFrame(nil, client.TypeExtraInfo, enc.ExtraResp([]byte(varValue), true))
	if err != nil {
		return nil, err
	}

	workers := make([]*worker, 0, o.conns)
	defer func() {
		for _, w := range workers {
			_ = w.nc.Close()
		}
	}()
	for i := range o.conns {
		nc, err := net.DialTimeout("unix", o.socket, 2*time.Second)
		if err != nil {
			return nil, fmt.Errorf("bench: dial connection %d: %w", i+1, err)
		}
		workers = append(workers, newWorker(sc, tpl, extra, nc, i))
	}

	var phase atomic.Int32
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() { defer wg.Done(); w.run(&phase) }()
	}
	time.Sleep(o.warmup)

	snap := func() (t time.Time, runner cpuTimes, self time.Duration, err error) {
		if o.pid > 0 {
			if runner, err = procCPU(o.pid); err != nil {
				return
			}
		}
		return time.Now(), runner, selfCPU(), nil
	}
	phase.Store(phaseMeasure)
	t0, r0, s0, err := snap()
	if err != nil {
		phase.Store(phaseStop)
		return nil, err
	}
	time.Sleep(o.duration)
	t1, r1, s1, err := snap()
	phase.Store(phaseStop)
	if err != nil {
		return nil, err
	}
	// Every worker ends after its call in flight; a runner that stopped
	// answering is cut off.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		for _, w := range workers {
			_ = w.nc.Close()
		}
		<-done
	}

	var h hist
	res := &result{
		Label: o.label, Scenario: sc.name, Conns: o.conns, Seconds: t1.Sub(t0).Seconds(),
		GoMaxProcs: runtime.GOMAXPROCS(0),
	}
	for _, w := range workers {
		h.merge(&w.hist)
		res.Requests += w.calls
		res.Errors += w.errs
		res.WarmErrors += w.warmErrs
		if w.fatal != nil {
			res.ConnsLost++
		}
		if res.FirstError == "" {
			switch {
			case w.firstErr != nil:
				res.FirstError = w.firstErr.Error()
			case w.fatal != nil:
				res.FirstError = w.fatal.Error()
			}
		}
	}
	res.fill(&h, r1.sub(r0), s1-s0, o.pid > 0)
	return res, nil
}
