package plugin

import (
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"strings"
	"testing"
)

type named string

func (n named) Name() string                          { return string(n) }
func (named) ParseConf([]byte) (any, error)           { return nil, nil }
func (named) ResponseFilter(any, pluginhttp.Response) {}

func TestSuggest(t *testing.T) {
	r := NewRegistry()
	for _, n := range []string{"say", "resp-header", "rewrite", "limit-req", "request-body-rewrite"} {
		s, err := NewSpec(named(n), "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"sya", "say"}, // swap
		{"SAY", "say"}, // case
		{"resp", ""},   // too far from resp-header
		{"resp-headers", "resp-header"},
		{"rewrit", "rewrite"},
		{"limit_req", "limit-req"},
		{"request-body-rewrit", "request-body-rewrite"},
		{"x", ""},
		{"", ""},
		{strings.Repeat("a", 300), ""},
	} {
		if got := r.Suggest(tc.name); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := (*Registry)(nil).Suggest("say"); got != "" {
		t.Errorf("nil registry suggests %q", got)
	}
}
