package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// targetConns is the connection count the targets are checked at.
const targetConns = 16

// defaultTargets are issue 13's targets: requests/s as a ratio to the base
// runner at 16 connections, with p99 no worse than the base's.
const defaultTargets = "go-runner/say=1.2,go-runner/rewrite=1.3,go-runner/var=1.3,go-runner/resp=1.2,go-runner-refsay/say=1.0"

// target is one runner's goal in one scenario.
type target struct {
	label, scenario string
	ratio           float64
}

// parseTargets reads "label/scenario=ratio,..."; "" is no target.
func parseTargets(s string) ([]target, error) {
	var out []target
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		ls, r, ok := strings.Cut(f, "=")
		label, scen, ok2 := strings.Cut(ls, "/")
		ratio, err := strconv.ParseFloat(r, 64)
		if !ok || !ok2 || label == "" || scen == "" || err != nil || ratio <= 0 {
			return nil, fmt.Errorf("bench: %w: target %q: want label/scenario=ratio, e.g. go-runner/say=1.2", errUsage, f)
		}
		out = append(out, target{label, scen, ratio})
	}
	return out, nil
}

// checkTargets prints each target's verdict from the rows at targetConns;
// a target whose runner or scenario did not run is listed as not measured.
func checkTargets(out io.Writer, ts []target, rows map[cell]map[string]*row, base string) {
	if len(ts) == 0 {
		return
	}
	fmt.Fprintf(out, "\nTargets at %d connections: requests/s as a ratio to %s, p99 no worse than %s's.\n\n", targetConns, base, base)
	table := [][]string{{"runner", "scenario", "target", "ratio", "p99", "p99 " + base, "ratio in each round", "verdict"}}
	for _, t := range ts {
		rs := rows[cell{t.scenario, targetConns}]
		got, b := rs[t.label], rs[base]
		if got == nil || b == nil || median(b.rps) == 0 {
			table = append(table, []string{t.label, t.scenario, fmt.Sprintf(">= %.2f", t.ratio), "-", "-", "-", "-", "not measured"})
			continue
		}
		ratio := median(got.rps) / median(b.rps)
		verdict := "MET"
		if ratio < t.ratio || median(got.p99) > median(b.p99) {
			verdict = "NOT MET"
		}
		var per []string
		for i := range min(len(got.rps), len(b.rps)) {
			per = append(per, fmt.Sprintf("%.2f", got.rps[i]/b.rps[i]))
		}
		table = append(table, []string{t.label, t.scenario, fmt.Sprintf(">= %.2f", t.ratio), fmt.Sprintf("%.3f", ratio),
			fmt.Sprintf("%.0f", median(got.p99)), fmt.Sprintf("%.0f", median(b.p99)), strings.Join(per, " "), verdict})
	}
	printTable(out, table)
}
