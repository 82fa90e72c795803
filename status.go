package main

import (
	"encoding/json"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-runner/go-runner/interp"
	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/sdk/plugin"
)

// statusView is the JSON of GET /status on the metrics endpoint: what the
// serving process runs, unit by unit. `go-runner status` prints it.
type statusView struct {
	Version    string     `json:"version"`
	PID        int        `json:"pid"`
	Supervised bool       `json:"supervised"`
	Since      time.Time  `json:"since"` // when this process started serving
	ScriptsDir string     `json:"scripts_dir"`
	Restarts   int        `json:"worker_restarts"` // workers that died (supervised)
	Units      []unitView `json:"units"`
	// Compiled are the plugins compiled into the binary.
	Compiled []pluginView `json:"compiled_plugins"`
}

// unitView is one script unit.
type unitView struct {
	Name  string   `json:"name"`
	Files []string `json:"files"`
	// Sum is the content hash (SHA-256, hex) of the version State is
	// about; ServingSum the served version's when another one failed.
	Sum        string     `json:"sum"`
	State      string     `json:"state"` // serving, failed, stopped or quarantined
	Serving    bool       `json:"serving"`
	ServingSum string     `json:"serving_sum,omitempty"`
	LoadedAt   *time.Time `json:"loaded_at,omitempty"`
	FailedAt   *time.Time `json:"failed_at,omitempty"`
	Error      string     `json:"error,omitempty"`
	// Diagnostics are the failure as "file:line:col: message" lines.
	Diagnostics []string     `json:"diagnostics,omitempty"`
	Plugins     []pluginView `json:"plugins"`
}

// pluginView is one plugin and its calls by phase since this process
// started (a new worker starts from zero).
type pluginView struct {
	Name     string            `json:"name"`
	Calls    map[string]uint64 `json:"calls"`
	Failures map[string]uint64 `json:"failures"`
}

var phases = [...]protocol.Phase{protocol.PhaseParseConf, protocol.PhaseRequest, protocol.PhaseResponse}

// pluginCounts are one plugin's calls and failed calls by phase.
type pluginCounts struct {
	calls, failures [len(phases)]atomic.Uint64
}

// callCounters counts every plugin call by plugin name, metrics or not.
type callCounters struct{ m sync.Map } // name -> *pluginCounts

func (c *callCounters) add(name string, phase protocol.Phase, failed bool) {
	v, ok := c.m.Load(name)
	if !ok {
		v, _ = c.m.LoadOrStore(name, &pluginCounts{})
	}
	pc := v.(*pluginCounts)
	for i, p := range phases {
		if p == phase {
			pc.calls[i].Add(1)
			if failed {
				pc.failures[i].Add(1)
			}
		}
	}
}

func (c *callCounters) view(name string) pluginView {
	pv := pluginView{Name: name, Calls: map[string]uint64{}, Failures: map[string]uint64{}}
	v, ok := c.m.Load(name)
	for i, p := range phases {
		pv.Calls[string(p)], pv.Failures[string(p)] = 0, 0
		if ok {
			pc := v.(*pluginCounts)
			pv.Calls[string(p)] = pc.calls[i].Load()
			pv.Failures[string(p)] = pc.failures[i].Load()
		}
	}
	return pv
}

// statusSource builds the status view of a serving process.
type statusSource struct {
	cfg        *Config
	reloader   *interp.Reloader
	counts     *callCounters
	supervised bool
	since      time.Time
	restarts   atomic.Int64
}

func (s *statusSource) view() statusView {
	v := statusView{
		Version:    versions().Version,
		PID:        os.Getpid(),
		Supervised: s.supervised,
		Since:      s.since,
		ScriptsDir: s.cfg.Scripts.Dir,
		Restarts:   int(s.restarts.Load()),
		Units:      []unitView{},
		Compiled:   []pluginView{},
	}
	for _, st := range s.reloader.Status() {
		u := unitView{Name: st.Name, Files: st.Files, Sum: st.Sum, State: st.State, Serving: st.Serving,
			ServingSum: st.ServingSum, Plugins: []pluginView{}}
		if u.Files == nil {
			u.Files = []string{}
		}
		if !st.LoadedAt.IsZero() {
			t := st.LoadedAt
			u.LoadedAt = &t
		}
		if !st.FailedAt.IsZero() {
			t := st.FailedAt
			u.FailedAt = &t
		}
		if st.Err != nil {
			u.Error = st.Err.Error()
			u.Diagnostics = (&unitError{unit: st.Name, err: st.Err}).diagnostics(s.cfg.Scripts.Dir)
		}
		for _, p := range st.Plugins {
			u.Plugins = append(u.Plugins, s.counts.view(p))
		}
		v.Units = append(v.Units, u)
	}
	for _, name := range plugin.Compiled().Names() {
		v.Compiled = append(v.Compiled, s.counts.view(name))
	}
	return v
}

// ServeHTTP answers GET /status.
func (s *statusSource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(s.view())
}
