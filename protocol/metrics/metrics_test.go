package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/sdk/plugin"
)

// scrape serves m on a loopback port and returns one scrape's body.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, m, nil) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + l.Addr().String() + Path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s\n%s", resp.Status, b)
	}
	return string(b)
}

func TestMetricsScrape(t *testing.T) {
	m := New()
	say := &plugin.Spec{Name: "say", Unit: "say.go"}
	slow := &plugin.Spec{Name: "slow", Unit: "slow"}
	for range 3 {
		m.PluginCall(say, protocol.PhaseRequest, 2*time.Millisecond, protocol.OutcomeOK)
	}
	m.PluginCall(say, protocol.PhaseRequest, time.Millisecond, protocol.OutcomePanic)
	m.PluginCall(slow, protocol.PhaseResponse, 6*time.Second, protocol.OutcomeTimeout)
	m.PluginCall(slow, protocol.PhaseResponse, time.Millisecond, protocol.OutcomeInterrupted)
	// A rejected conf: one call that ended with an error.
	m.PluginCall(say, protocol.PhaseParseConf, time.Microsecond, protocol.OutcomeError)
	m.ConnOpened()
	m.ConnOpened()
	m.ConnClosed()
	m.ExtraInfo()
	m.ExtraInfo()
	m.FrameError("token_not_found")
	m.ConfEntries(7)
	m.UnitLoaded("say.go")
	m.UnitLoaded("slow")
	m.UnitReloaded("slow")
	m.UnitReloaded("slow")
	m.UnitLoadFailed("slow")

	body := scrape(t, m)
	want := []string{
		`go_runner_plugin_calls_total{phase="request",plugin="say"} 4`,
		`go_runner_plugin_panics_total{phase="request",plugin="say"} 1`,
		`go_runner_plugin_errors_total{phase="request",plugin="say"} 0`,
		`go_runner_plugin_calls_total{phase="parse_conf",plugin="say"} 1`,
		`go_runner_plugin_errors_total{phase="parse_conf",plugin="say"} 1`,
		`go_runner_plugin_calls_total{phase="response",plugin="slow"} 2`,
		`go_runner_plugin_timeouts_total{phase="response",plugin="slow"} 1`,
		`go_runner_plugin_interrupted_total{phase="response",plugin="slow"} 1`,
		`go_runner_plugin_call_duration_seconds_count{phase="request",plugin="say"} 4`,
		`go_runner_plugin_call_duration_seconds_bucket{phase="request",plugin="say",le="0.0025"} 4`,
		`go_runner_plugin_call_duration_seconds_bucket{phase="request",plugin="say",le="0.001"} 1`,
		`go_runner_plugin_call_duration_seconds_bucket{phase="response",plugin="slow",le="5"} 1`,
		`go_runner_open_connections 1`,
		`go_runner_connections_total 2`,
		`go_runner_extra_info_round_trips_total 2`,
		`go_runner_frame_errors_total{reason="token_not_found"} 1`,
		`go_runner_conf_entries 7`,
		`go_runner_unit_loads_total{unit="say.go"} 1`,
		`go_runner_unit_reloads_total{unit="say.go"} 0`,
		`go_runner_unit_load_failures_total{unit="say.go"} 0`,
		`go_runner_unit_reloads_total{unit="slow"} 2`,
		`go_runner_unit_load_failures_total{unit="slow"} 1`,
		`go_runner_unit_calls_total{unit="say.go"} 5`,
		`go_runner_unit_errors_total{unit="say.go"} 1`,
		`go_runner_unit_panics_total{unit="say.go"} 1`,
		`go_runner_unit_timeouts_total{unit="say.go"} 0`,
		`go_runner_unit_calls_total{unit="slow"} 2`,
		`go_runner_unit_timeouts_total{unit="slow"} 1`,
		`go_runner_unit_interrupted_total{unit="slow"} 1`,
		`go_goroutines `,
		`process_start_time_seconds `,
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("scrape lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", body)
	}
}

func TestCheckAddress(t *testing.T) {
	cases := []struct {
		name, addr string
		loopback   bool // the error, if any, is ErrNotLoopback
		ok         bool
	}{
		{"ipv4 loopback", "127.0.0.1:9091", false, true},
		{"other 127/8", "127.0.0.2:9091", false, true},
		{"ipv6 loopback", "[::1]:9091", false, true},
		{"localhost", "localhost:9091", false, true},
		{"free port", "127.0.0.1:0", false, true},
		{"all interfaces", "0.0.0.0:9091", true, false},
		{"empty host", ":9091", true, false},
		{"public address", "192.0.2.1:9091", true, false},
		{"host name", "example.com:9091", true, false},
		{"no port", "127.0.0.1", true, false},
		{"port not a number", "127.0.0.1:http", false, false},
		{"port too large", "127.0.0.1:70000", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckAddress(c.addr)
			if c.ok {
				if err != nil {
					t.Fatalf("CheckAddress(%q): %v", c.addr, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckAddress(%q) accepted it", c.addr)
			}
			if errors.Is(err, ErrNotLoopback) != c.loopback {
				t.Fatalf("CheckAddress(%q) = %v; ErrNotLoopback: want %v", c.addr, err, c.loopback)
			}
		})
	}
}

func TestPluginCallAllocs(t *testing.T) {
	m := New()
	spec := &plugin.Spec{Name: "say", Unit: "say.go"}
	m.PluginCall(spec, protocol.PhaseRequest, time.Millisecond, protocol.OutcomeOK)
	n := testing.AllocsPerRun(100, func() {
		m.PluginCall(spec, protocol.PhaseRequest, time.Millisecond, protocol.OutcomeOK)
	})
	if n != 0 {
		t.Fatalf("PluginCall allocates %.1f times per call once its series exist, want 0", n)
	}
}

func BenchmarkPluginCall(b *testing.B) {
	m := New()
	spec := &plugin.Spec{Name: "say"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.PluginCall(spec, protocol.PhaseRequest, 50*time.Microsecond, protocol.OutcomeOK)
		}
	})
}
