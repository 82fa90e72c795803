package benchscripts

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
	"github.com/go-runner/go-runner/sdk/prepared"
)

func init() {
	if err := plugin.RegisterPlugin(&BenchRewrite{}); err != nil {
		pluginlog.Fatalf("register bench-rewrite: %s", err)
	}
}

// BenchRewrite rewrites the path and sets headers, with no other work: the
// benchmark's header/path rewrite scenario. It is written in go-runner's
// fast style: the rewrite is prepared once in ParseConf and applied with one
// call (the reference's copy in ../refplugins sets them field by field, the
// idiom of its SDK).
type BenchRewrite struct {
	plugin.DefaultPlugin
}

// BenchRewriteConf is {"path": "/new", "headers": {"X-Name": "value"}}.
type BenchRewriteConf struct {
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`

	rewrite *prepared.Rewrite
}

// Name is the plugin's name in a route's conf.
func (*BenchRewrite) Name() string { return "bench-rewrite" }

// ParseConf decodes the conf and prepares the rewrite, once per PrepareConf.
func (*BenchRewrite) ParseConf(in []byte) (interface{}, error) {
	var c BenchRewriteConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, fmt.Errorf("bench-rewrite: %w", err)
	}
	c.rewrite = prepared.NewRewrite(c.Path, "", prepared.NewHeaders(c.Headers, nil, nil), nil)
	return &c, nil
}

// RequestFilter sets the path and the headers.
func (*BenchRewrite) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	conf.(*BenchRewriteConf).rewrite.Apply(r)
}
