package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/interp"
	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/protocol/client"
	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

// Bounds of --repeat and --concurrency.
const (
	maxTryRepeat      = 10000
	maxTryConcurrency = 256
)

// tryRouteID is the route id of the conf key try prepares.
const tryRouteID = "try"

// runTry calls the runner (started here on a temporary socket, or the one
// at --socket) and prints the replies.
func runTry(in configInput, tc *tryCall, stdout, stderr io.Writer) error {
	cfg, log, err := loadForTool(in, stdout, stderr)
	if err != nil {
		return err
	}
	defer log.close()
	reasons := &tryReasons{byID: map[uint32]string{}, byKey: map[string]string{}}
	var warnings []string
	sock := tc.socket
	if sock == "" {
		var stop func()
		sock, warnings, stop, err = serveTry(cfg, log.Logger, tc, reasons)
		if err != nil {
			return err
		}
		defer stop()
	}
	for _, w := range warnings {
		log.Warn("try: the conf does not do what it may seem to", zap.String("warning", w))
	}

	c := client.New(client.Options{Path: sock, IOTimeout: cfg.Plugins.Timeout + 10*time.Second})
	defer c.Close()
	outs, err := tc.run(c, reasons)
	if err != nil {
		return fmt.Errorf("try: %w", err)
	}
	failed := 0
	for _, o := range outs {
		if o.Error != nil {
			failed++
		}
	}
	var doc any
	if tc.repeat == 1 {
		outs[0].Call = 0
		outs[0].Warnings = warnings
		doc = outs[0]
	} else {
		rep := &tryRepeat{Phase: tc.phase, Repeat: tc.repeat, Concurrency: tc.concurrency, Summary: map[string]int{}, Warnings: warnings, Calls: outs}
		for _, o := range outs {
			rep.Summary[o.outcome()]++
		}
		doc = rep
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("try: %w", err)
	}
	if failed > 0 {
		return &exitError{code: exitFailure, cause: fmt.Errorf("try: %w: %d of %d call(s)", ErrReply, failed, len(outs))}
	}
	return nil
}

// serveTry loads the plugins as run does and serves them on a temporary
// socket. It returns the socket, the warnings about tc's conf, and stop.
func serveTry(cfg *Config, log *zap.Logger, tc *tryCall, reasons *tryReasons) (string, []string, func(), error) {
	pluginlog.SetLogger(log.Named("plugin"))
	prober, err := newProber()
	if err != nil {
		return "", nil, nil, err
	}
	loaded, err := loadPlugins(cfg, log, nil, nil, prober.Prove, nil)
	if err != nil {
		return "", nil, nil, err
	}
	for _, le := range loaded.errs {
		log.Error("script unit failed to load", zap.String("unit", le.unit), zap.String("error", le.Error()))
	}
	if len(loaded.errs) > 0 && cfg.Scripts.FailOnLoadError {
		return "", nil, nil, fmt.Errorf("try: %w: %d unit(s), and scripts.fail_on_load_error is true", ErrLoad, len(loaded.errs))
	}
	dir, err := os.MkdirTemp("", "grtry")
	if err != nil {
		return "", nil, nil, fmt.Errorf("try: %w", err)
	}
	sock := filepath.Join(dir, "try.sock")
	srv := protocol.NewServer(protocol.Config{
		ConfTTL:       cfg.Conf.TTL(),
		PluginTimeout: cfg.Plugins.Timeout,
		SkipUnknown:   cfg.skipUnknown(),
		MaxBodyBytes:  cfg.Plugins.MaxBodyBytes,
		Logger:        log,
		OnErrorReply:  reasons.note,
	}, loaded.reg)
	l, err := protocol.Listen("unix:"+sock, 0o600)
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, nil, fmt.Errorf("try: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- protocol.Run(ctx, srv, l, shutdownGrace) }()
	stop := func() {
		cancel()
		<-served
		_ = os.RemoveAll(dir)
	}
	return sock, phaseWarnings(cfg.Scripts.Dir, loaded.reg, tc), stop, nil
}

// phaseWarnings names the plugins of tc's conf that have no filter of
// their own for tc's phase: there they do nothing. A plugin that only
// gets the filter from an embedded plugin.DefaultPlugin counts as having
// none, when its source says so.
func phaseWarnings(scriptsDir string, reg *plugin.Registry, tc *tryCall) []string {
	var out []string
	for _, c := range tc.confs {
		s := reg.Lookup(c.Name)
		if s == nil {
			continue // the error reply says so
		}
		has, other, filter, flag := s.RequestFilter != nil, s.ResponseFilter != nil, "RequestFilter", "--phase response"
		if tc.phase == "response" {
			has, other, filter, flag = other, has, "ResponseFilter", "--phase request"
		}
		if has && s.Unit != "" {
			if f, ok, err := interp.DeclaredFilters(filepath.Join(scriptsDir, s.Unit), s.Name); err == nil && ok {
				has = f.Request
				if tc.phase == "response" {
					has = f.Response
				}
				if !has {
					filter += " of its own (only plugin.DefaultPlugin's no-op)"
				}
			}
		}
		if has {
			continue
		}
		w := fmt.Sprintf("plugin %q has no %s: in the %s phase it does nothing", s.Name, filter, tc.phase)
		if other {
			w += "; try " + flag
		}
		out = append(out, w)
	}
	return out
}

// tryReasons keeps the reasons of the error replies, by call id and by
// conf key (a PrepareConf's).
type tryReasons struct {
	mu    sync.Mutex
	byID  map[uint32]string
	byKey map[string]string
}

func (r *tryReasons) note(e protocol.ErrorReply) {
	if e.Err == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case e.ID != 0:
		r.byID[e.ID] = e.Err.Error()
	case e.Key != "":
		r.byKey[e.Key] = e.Err.Error()
	}
}

func (r *tryReasons) reason(id uint32, key string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.byID[id]; ok {
		return s
	}
	return r.byKey[key]
}

// key is the conf key of tc's route. Its version is a hash of the phase
// and the conf, so that a running runner (--socket) that prepared another
// conf under try's route id does not serve that one.
func (tc *tryCall) key() string {
	h := fnv.New32a()
	_, _ = io.WriteString(h, tc.phase)
	for _, c := range tc.confs {
		_, _ = fmt.Fprintf(h, "\x00%s\x00%s", c.Name, c.Value)
	}
	phase := "ext-plugin-pre-req"
	if tc.phase == "response" {
		phase = "ext-plugin-post-resp"
	}
	return client.ConfKey(tryRouteID, phase, int(h.Sum32()))
}

// run makes tc.repeat calls on tc.concurrency connections at once and
// returns their outputs by call number. An error reply is an output; any
// other failure ends the run.
func (tc *tryCall) run(c *client.Client, reasons *tryReasons) ([]*tryOutput, error) {
	rt := &client.Route{Key: tc.key(), Conf: tc.confs}
	outs := make([]*tryOutput, tc.repeat)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, tc.concurrency)
	for w := range tc.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > tc.repeat {
					return
				}
				out, err := tc.do(c, rt, uint32(i), reasons)
				if err != nil {
					errs[w] = err
					next.Store(int64(tc.repeat)) // the others stop too
					return
				}
				out.Call = i
				outs[i-1] = out
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Clip(outs), nil
}

// do makes call id on c, exactly as APISIX would for rt, and describes the
// reply.
func (tc *tryCall) do(c *client.Client, rt *client.Route, id uint32, reasons *tryReasons) (*tryOutput, error) {
	x := tc.extra // each call counts its own questions
	var out *tryOutput
	var err error
	if tc.phase == "response" {
		rs := tc.resp
		rs.ID = id
		var res client.RespResult
		if err = c.RespCall(rt, &rs, &x, &res); err == nil {
			out = respOutput(tc, &x, &res)
		}
	} else {
		rq := tc.req
		rq.ID = id
		var res client.ReqResult
		if err = c.ReqCall(rt, &rq, &x, &res); err == nil {
			out = reqOutput(tc, &x, &res)
		}
	}
	var rpc *client.RPCError
	if errors.As(err, &rpc) {
		return &tryOutput{Phase: tc.phase, Action: "error", Error: &tryError{Code: rpc.Code.String(), Reason: reasons.reason(id, rt.Key)}}, nil
	}
	return out, err
}
