package metrics

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/protocol/client"
	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// TestServerReports drives a protocol.Server observed by a Metrics over its
// unix socket and checks what the server reported.
func TestServerReports(t *testing.T) {
	reg := plugin.NewRegistry()
	add := func(s *plugin.Spec) {
		if err := reg.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	add(&plugin.Spec{
		Name:      "hello",
		ParseConf: func(in []byte) (any, error) { return string(in), nil },
		RequestFilter: func(conf any, w http.ResponseWriter, r pluginhttp.Request) {
			v, _ := r.Var("route_id")
			w.Header().Set("X-Route", string(v))
			_, _ = w.Write([]byte("hello"))
		},
	})
	add(&plugin.Spec{
		Name:      "picky",
		ParseConf: func(in []byte) (any, error) { return nil, errors.New("picky: no") },
		RequestFilter: func(any, http.ResponseWriter, pluginhttp.Request) {
		},
	})
	add(&plugin.Spec{
		Name:          "boom",
		ParseConf:     func([]byte) (any, error) { return nil, nil },
		RequestFilter: func(any, http.ResponseWriter, pluginhttp.Request) { panic("boom") },
	})
	m := New()
	srv := protocol.NewServer(protocol.Config{Observer: m}, reg)
	dir, err := os.MkdirTemp("", "grm")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "m.sock")
	l, err := protocol.Listen("unix:"+sock, 0o700)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- protocol.Run(ctx, srv, l, time.Second) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()

	c, err := client.Dial(client.Options{Path: sock, IOTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tok, err := c.Prepare("route#1#ext-plugin-pre-req#1", []client.Conf{{Name: "hello", Value: "{}"}})
	if err != nil {
		t.Fatal(err)
	}
	x := &client.Extra{Vars: map[string]string{"route_id": "1"}}
	var out client.ReqResult
	for i := range 2 {
		if err := c.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: tok}, x, &out); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Prepare("route#2#ext-plugin-pre-req#1", []client.Conf{{Name: "picky", Value: "{}"}}); err == nil {
		t.Fatal("picky's conf was accepted")
	}
	btok, err := c.Prepare("route#3#ext-plugin-pre-req#1", []client.Conf{{Name: "boom", Value: "{}"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ReqCall(&client.ReqCall{ID: 9, ConfToken: btok}, nil, &out); !errors.Is(err, client.ErrRPC) {
		t.Fatalf("boom: got %v, want an rpc error", err)
	}
	if err := c.ReqCall(&client.ReqCall{ID: 10, ConfToken: 12345}, nil, &out); !errors.Is(err, client.ErrTokenNotFound) {
		t.Fatalf("unknown token: got %v", err)
	}

	body := scrape(t, m)
	for _, w := range []string{
		`go_runner_plugin_calls_total{phase="request",plugin="hello"} 2`,
		`go_runner_plugin_calls_total{phase="parse_conf",plugin="hello"} 1`,
		`go_runner_plugin_errors_total{phase="parse_conf",plugin="picky"} 1`,
		`go_runner_plugin_panics_total{phase="request",plugin="boom"} 1`,
		`go_runner_extra_info_round_trips_total 2`,
		`go_runner_open_connections 1`,
		`go_runner_conf_entries 2`,
		`go_runner_frame_errors_total{reason="prepare_conf"} 1`,
		`go_runner_frame_errors_total{reason="token_not_found"} 1`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("scrape lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", body)
	}
}
