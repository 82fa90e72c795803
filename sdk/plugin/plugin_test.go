package plugin

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

type modern struct{ DefaultPlugin }

func (modern) Name() string                                                     { return "modern" }
func (modern) ParseConf(in []byte) (any, error)                                 { return nil, nil }
func (modern) RequestFilter(_ any, w http.ResponseWriter, _ pluginhttp.Request) { w.WriteHeader(201) }

type legacy struct{ DefaultPlugin }

func (*legacy) Name() string                                              { return "legacy" }
func (*legacy) ParseConf(in []byte) (any, error)                          { return nil, nil }
func (*legacy) Filter(_ any, w http.ResponseWriter, _ pluginhttp.Request) { w.WriteHeader(202) }

type respOnly struct{}

func (respOnly) Name() string                            { return "resp" }
func (respOnly) ParseConf(in []byte) (any, error)        { return nil, nil }
func (respOnly) ResponseFilter(any, pluginhttp.Response) {}

type noFilter struct{}

func (noFilter) Name() string                     { return "none" }
func (noFilter) ParseConf(in []byte) (any, error) { return nil, nil }

func TestNewSpec(t *testing.T) {
	for _, tc := range []struct {
		name       string
		p          Base
		wantStatus int // of the request filter; 0: none
		wantResp   bool
		wantErr    error
	}{
		{"modern with DefaultPlugin", modern{}, 201, true, nil},
		{"legacy Filter wins over DefaultPlugin's RequestFilter", &legacy{}, 202, true, nil},
		{"response phase only", respOnly{}, 0, true, nil},
		{"no filter", noFilter{}, 0, false, ErrNoFilter},
		{"nil", nil, 0, false, ErrNilPlugin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSpec(tc.p, "test")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if (s.ResponseFilter != nil) != tc.wantResp {
				t.Errorf("response filter %v", s.ResponseFilter != nil)
			}
			if tc.wantStatus == 0 {
				if s.RequestFilter != nil {
					t.Errorf("unexpected request filter")
				}
				return
			}
			w := httptest.NewRecorder()
			s.RequestFilter(nil, w, nil)
			if w.Code != tc.wantStatus {
				t.Errorf("request filter wrote %d, want %d", w.Code, tc.wantStatus)
			}
		})
	}
}

func TestRegistryDuplicateNamesBothPlaces(t *testing.T) {
	r := NewRegistry()
	a, _ := NewSpec(modern{}, "script scripts/a.go")
	b, _ := NewSpec(modern{}, "script scripts/b.go")
	if err := r.Add(a); err != nil {
		t.Fatal(err)
	}
	err := r.Add(b)
	if !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), "scripts/a.go") || !strings.Contains(err.Error(), "scripts/b.go") {
		t.Fatalf("got %v", err)
	}
	if r.Lookup("modern") != a || r.Len() != 1 {
		t.Fatal("first registration must stay")
	}
}
