package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// summaryOptions configure -summary: the table compare.sh prints from the
// JSON lines of its runs.
type summaryOptions struct {
	file    string
	labels  []string // column order; the first is the base of the ratios
	ceiling string   // the do-nothing runner, "" for none
	targets []target // checked at targetConns connections
}

// row is every round of one runner in one scenario and connection count.
type row struct {
	rps, p50, p99, p999, cpu, load []float64
	errors                         uint64
	lost                           int
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

type cell struct {
	scenario string
	conns    int
}

func summarize(o summaryOptions, out io.Writer) error {
	f, err := os.Open(o.file)
	if err != nil {
		return fmt.Errorf("bench: summary: %w", err)
	}
	defer f.Close()
	rows := map[cell]map[string]*row{}
	var cells []cell
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var r result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return fmt.Errorf("bench: summary: %s: %w", o.file, err)
		}
		c := cell{r.Scenario, r.Conns}
		if rows[c] == nil {
			rows[c] = map[string]*row{}
			cells = append(cells, c)
		}
		rw := rows[c][r.Label]
		if rw == nil {
			rw = &row{}
			rows[c][r.Label] = rw
		}
		if !seen[r.Label] {
			seen[r.Label] = true
			if !slices.Contains(o.labels, r.Label) {
				o.labels = append(o.labels, r.Label)
			}
		}
		rw.rps = append(rw.rps, r.RPS)
		rw.p50 = append(rw.p50, r.P50Us)
		rw.p99 = append(rw.p99, r.P99Us)
		rw.p999 = append(rw.p999, r.P999Us)
		if r.RunnerCPUUs != nil {
			rw.cpu = append(rw.cpu, *r.RunnerCPUUs)
		}
		rw.load = append(rw.load, r.LoadCPUUs)
		rw.errors += r.Errors + r.WarmErrors
		rw.lost += r.ConnsLost
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("bench: summary: %w", err)
	}
	labels := slices.DeleteFunc(slices.Clone(o.labels), func(l string) bool { return !seen[l] })
	if len(labels) == 0 {
		return fmt.Errorf("bench: summary: no results in %s", o.file)
	}
	base := labels[0]

	fmt.Fprintf(out, "Medians over the rounds. x%s and x%s: ratios of median requests/s. cpu/req: the runner's CPU time per\n", base, o.ceiling)
	fmt.Fprintf(out, "request, load: the load tool's; x%s(cpu): (%s's runner+load CPU per request) / (this runner's), the ratio of\n", base, base)
	fmt.Fprintf(out, "requests/s both would reach with the CPUs to themselves (the measured ratio drifts when other work runs).\n")
	fmt.Fprintf(out, "Latency and CPU in microseconds.\n\n")
	table := [][]string{{"scenario", "conns", "runner", "req/s", "x" + base, "x" + o.ceiling, "p50", "p99", "p99.9", "cpu/req", "load", "x" + base + "(cpu)", "rounds", "errors"}}
	for _, c := range cells {
		rs := rows[c]
		ratio := func(a, b string) string {
			ra, rb := rs[a], rs[b]
			if ra == nil || rb == nil || median(rb.rps) == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f", median(ra.rps)/median(rb.rps))
		}
		total := func(l string) float64 {
			if r := rs[l]; r != nil && len(r.cpu) > 0 {
				return median(r.cpu) + median(r.load)
			}
			return 0
		}
		for _, l := range labels {
			r := rs[l]
			if r == nil {
				continue
			}
			cpu, model := "-", "-"
			if len(r.cpu) > 0 {
				cpu = fmt.Sprintf("%.1f", median(r.cpu))
				if t := total(l); t > 0 && total(base) > 0 {
					model = fmt.Sprintf("%.2f", total(base)/t)
				}
			}
			e := fmt.Sprint(r.errors)
			if r.lost > 0 {
				e += fmt.Sprintf(" (%d conns lost)", r.lost)
			}
			table = append(table, []string{
				c.scenario, fmt.Sprint(c.conns), l, fmt.Sprintf("%.0f", median(r.rps)),
				ratio(l, base), ratio(l, o.ceiling),
				fmt.Sprintf("%.0f", median(r.p50)), fmt.Sprintf("%.0f", median(r.p99)), fmt.Sprintf("%.0f", median(r.p999)),
				cpu, fmt.Sprintf("%.1f", median(r.load)), model, fmt.Sprint(len(r.rps)), e,
			})
		}
	}
	printTable(out, table)

	checkTargets(out, o.targets, rows, base)
	return nil
}

// printTable prints a markdown table with aligned columns.
func printTable(out io.Writer, t [][]string) {
	w := make([]int, len(t[0]))
	for _, line := range t {
		for i, s := range line {
			w[i] = max(w[i], len(s))
		}
	}
	for n, line := range t {
		var b strings.Builder
		b.WriteString("|")
		for i, s := range line {
			fmt.Fprintf(&b, " %-*s |", w[i], s)
		}
		fmt.Fprintln(out, b.String())
		if n == 0 {
			b.Reset()
			b.WriteString("|")
			for i := range line {
				b.WriteString(strings.Repeat("-", w[i]+2) + "|")
			}
			fmt.Fprintln(out, b.String())
		}
	}
}
