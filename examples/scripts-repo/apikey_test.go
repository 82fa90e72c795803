package scripts

import (
	"testing"

	"github.com/go-runner/go-runner/sdk/plugintest"
)

func TestAPIKey(t *testing.T) {
	const conf = `{"keys":{"k-123":"billing"}}`
	// Once compiled by go test, once loaded from apikey.go as the runner
	// loads it.
	for _, p := range plugintest.Both(t, "apikey.go", &APIKey{}) {
		t.Run(p.Mode, func(t *testing.T) {
			for _, tc := range []struct {
				name       string
				key        string
				wantStatus int    // 0: the request goes upstream
				wantClient string // X-Client sent upstream
			}{
				{name: "known key", key: "k-123", wantClient: "billing"},
				{name: "unknown key", key: "k-999", wantStatus: 401},
				{name: "no key", wantStatus: 401},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := plugintest.NewRequest("GET", "/invoices?page=2")
					if tc.key != "" {
						r.WithHeader("X-Api-Key", tc.key)
					}
					w := plugintest.NewRecorder()
					p.RequestFilter(p.MustParseConf(conf), w, r)
					if w.Status() != tc.wantStatus {
						t.Fatalf("status %d, want %d", w.Status(), tc.wantStatus)
					}
					if got := r.Header().Get("X-Client"); got != tc.wantClient {
						t.Errorf("X-Client %q, want %q", got, tc.wantClient)
					}
					if !w.Answered() && r.Header().Get("X-Api-Key") != "" {
						t.Error("the key would reach the upstream")
					}
				})
			}
			if _, err := p.ParseConf(`{"keys":{}}`); err == nil {
				t.Error("a conf without keys was accepted")
			}
		})
	}
}
