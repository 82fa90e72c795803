package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestParseTargets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []target
		err  error
	}{
		{"", nil, nil},
		{"go-runner/say=1.2, go-runner-refsay/say=1", []target{{"go-runner", "say", 1.2}, {"go-runner-refsay", "say", 1}}, nil},
		{"go-runner=1.2", nil, errUsage},
		{"go-runner/say", nil, errUsage},
		{"go-runner/say=fast", nil, errUsage},
		{"/say=1", nil, errUsage},
		{"go-runner/say=0", nil, errUsage},
	} {
		got, err := parseTargets(tc.in)
		if !errors.Is(err, tc.err) || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseTargets(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if _, err := parseTargets(defaultTargets); err != nil {
		t.Errorf("default targets: %v", err)
	}
}

// TestSummaryGolden prints the table and the targets of testdata/summary.jsonl
// (two rounds; go-runner's say meets its target, its resp does not, the
// ported say misses on p99 and ratio, rewrite did not run).
func TestSummaryGolden(t *testing.T) {
	ts, err := parseTargets(defaultTargets)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := summaryOptions{file: filepath.Join("testdata", "summary.jsonl"), labels: []string{"ref", "go-runner", "go-runner-refsay", "nop"},
		ceiling: "nop", targets: ts}
	if err := summarize(o, &out); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "summary.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("summary differs from %s (go test -run TestSummaryGolden ./tests/bench -update):\n%s", golden, out.Bytes())
	}
}
