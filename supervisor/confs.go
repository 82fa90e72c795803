package supervisor

import (
	"time"

	"github.com/go-runner/go-runner/protocol"
)

// confTable is every conf a worker prepared, by token: what the next worker
// must answer.
type confTable struct {
	byToken map[uint32]protocol.ConfRecord
}

func newConfTable() *confTable { return &confTable{byToken: map[uint32]protocol.ConfRecord{}} }

func (t *confTable) put(r protocol.ConfRecord) { t.byToken[r.Token] = r }

// sweep drops expired records.
func (t *confTable) sweep(now time.Time) {
	for tok, r := range t.byToken {
		if !r.Expires.After(now) {
			delete(t.byToken, tok)
		}
	}
}

func (t *confTable) all(now time.Time) []protocol.ConfRecord {
	t.sweep(now)
	out := make([]protocol.ConfRecord, 0, len(t.byToken))
	for _, r := range t.byToken {
		out = append(out, r)
	}
	return out
}
