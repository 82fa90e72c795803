package protocol

import (
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// ConfRecord is one prepared conf as APISIX sent it, with the token it was
// given: what a new worker process needs to answer the tokens an earlier
// one handed out (see package supervisor).
type ConfRecord struct {
	Key     string     `json:"key"`
	Token   uint32     `json:"token"`
	Conf    []ConfItem `json:"conf"`
	Expires time.Time  `json:"expires"`
}

// ConfItem is one entry of a PrepareConf: a plugin name and its conf.
type ConfItem struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Tracker learns which plugin each connection is running, cheaply, so that
// a supervisor can tell after a fatal error which unit was on the goroutine
// that died. Attach is called once on each connection's goroutine, before
// its first frame.
type Tracker interface {
	Attach() TrackSlot
}

// TrackSlot is one connection's record: Enter and Leave bracket every plugin
// call, Release ends the connection.
type TrackSlot interface {
	Enter(spec *plugin.Spec)
	Leave()
	Release()
}

// record turns an entry into its ConfRecord.
func (e *confEntry) record() ConfRecord {
	r := ConfRecord{Key: e.key, Token: e.token, Conf: make([]ConfItem, len(e.raw)), Expires: time.Unix(0, e.expires.Load())}
	for i, rc := range e.raw {
		r.Conf[i] = ConfItem{Name: rc.name, Value: rc.value}
	}
	return r
}

// InstallConfs adds prepared confs handed over from another process, keeping
// their tokens: each is parsed with the plugins served now (an entry they
// reject fails closed, like after a reload). Expired records and records
// whose token is already held are left out. It returns how many were
// installed.
func (s *Server) InstallConfs(recs []ConfRecord) int {
	s.rebindMu.Lock()
	defer s.rebindMu.Unlock()
	now := time.Now()
	n := 0
	for _, r := range recs {
		if !r.Expires.After(now) {
			continue
		}
		raw := make([]rawConf, len(r.Conf))
		for i, c := range r.Conf {
			raw[i] = rawConf{name: c.Name, value: c.Value}
		}
		if s.confs.install(r.Key, r.Token, raw, r.Expires, s.catalog(), s.parseAside) {
			n++
		}
	}
	s.obs.ConfEntries(s.confs.len())
	return n
}

// StuckCalls is the number of plugin calls past their deadline that have
// not returned: code blocked where nothing can stop it.
func (s *Server) StuckCalls() int {
	return s.wd.stuck()
}
