package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    uint64
	}{
		{"zero", 0}, {"small", 127}, {"first log bucket", 128}, {"odd", 1001},
		{"microsecond", 1000}, {"millisecond", 1_000_000}, {"second", 1_000_000_000},
		{"huge", 1 << 62},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := bucketOf(tc.v)
			if i < 0 || i >= histBuckets {
				t.Fatalf("bucket %d out of range", i)
			}
			mid := bucketMid(i)
			diff := float64(mid) - float64(tc.v)
			if diff < 0 {
				diff = -diff
			}
			if tc.v >= subCount && diff/float64(tc.v) > 0.01 {
				t.Fatalf("value %d in bucket %d with middle %d: %.2f%% off", tc.v, i, mid, 100*diff/float64(tc.v))
			}
			if tc.v < subCount && mid != tc.v {
				t.Fatalf("value %d: middle %d", tc.v, mid)
			}
		})
	}
}

func TestQuantilesMatchSortedSample(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h hist
	sample := make([]time.Duration, 0, 100000)
	for range 100000 {
		d := time.Duration(20_000 + r.ExpFloat64()*30_000)
		sample = append(sample, d)
		h.record(d)
	}
	slices.Sort(sample)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := sample[int(q*float64(len(sample)))-1]
		got := h.quantile(q)
		if rel := float64(got-exact) / float64(exact); rel > 0.01 || rel < -0.01 {
			t.Errorf("p%g: histogram %s, exact %s", q*100, got, exact)
		}
	}
	var m hist
	m.merge(&h)
	if m.n != h.n || m.quantile(0.99) != h.quantile(0.99) {
		t.Fatalf("merge changed the distribution")
	}
}
