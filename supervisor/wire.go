package supervisor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/go-runner/go-runner/protocol"
)

// Message types. Worker to supervisor: msgLoading, msgReady, msgConf,
// msgUnit, msgHanded, msgProven. Supervisor to worker: msgInit, msgServe,
// msgConf, msgQuarantine, msgDrain, msgAdopt.
const (
	msgInit       = "init"       // first message to a worker: TokenBase, Quarantine, Proven
	msgLoading    = "loading"    // the worker, not ready yet, begins to load a unit: its start goes on
	msgReady      = "ready"      // the worker loaded its scripts and waits for serve
	msgServe      = "serve"      // start accepting: Confs, Quarantine, Restarts
	msgConf       = "conf"       // one prepared conf: Conf
	msgUnit       = "unit"       // a unit version got a slot index: Unit
	msgQuarantine = "quarantine" // the quarantine changed: Quarantine; Rescan asks for a rescan of the scripts
	msgDrain      = "drain"      // hand every connection over and exit
	msgHanded     = "handed"     // a connection is on the handover socket (handover.go)
	msgAdopt      = "adopt"      // a connection is on the handover socket: serve it
	msgProven     = "proven"     // a unit version loaded in a probe process: Unit
)

// message is one JSON object on a worker link.
type message struct {
	Type       string                `json:"t"`
	TokenBase  uint32                `json:"token_base,omitempty"`
	Conf       *protocol.ConfRecord  `json:"conf,omitempty"`
	Confs      []protocol.ConfRecord `json:"confs,omitempty"`
	Unit       *UnitVersion          `json:"unit,omitempty"`
	Quarantine []UnitVersion         `json:"quarantine,omitempty"`
	Proven     []UnitVersion         `json:"proven,omitempty"`
	Restarts   int                   `json:"restarts,omitempty"`
	Rescan     bool                  `json:"rescan,omitempty"`
}

// UnitVersion names one version of a unit: its name and content sum. Index
// is the unit's slot index in its worker (msgUnit only).
type UnitVersion struct {
	Name  string `json:"name"`
	Sum   string `json:"sum"`
	Index uint32 `json:"index,omitempty"`
}

// sender writes messages, each with one write so that a writer that dies
// leaves whole messages behind.
type sender struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
}

func (s *sender) send(m *message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Reset()
	if err := json.NewEncoder(&s.buf).Encode(m); err != nil {
		return fmt.Errorf("supervisor: encode %s: %w", m.Type, err)
	}
	if _, err := s.w.Write(s.buf.Bytes()); err != nil {
		return fmt.Errorf("supervisor: send %s: %w", m.Type, err)
	}
	return nil
}

// receiver reads messages.
type receiver struct{ dec *json.Decoder }

func newReceiver(r io.Reader) *receiver { return &receiver{dec: json.NewDecoder(r)} }

// next returns the next message, io.EOF when the writer closed its end.
func (r *receiver) next() (*message, error) {
	var m message
	if err := r.dec.Decode(&m); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("supervisor: %w: %w", ErrBadMessage, err)
	}
	return &m, nil
}
