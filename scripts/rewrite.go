// Plugin rewrite changes the request on its way upstream: its path, its
// headers and its query arguments.
//
// Conf:
//
//	{
//	  "strip_prefix": "/api",
//	  "path": "",
//	  "set_headers": {"X-Forwarded-Prefix": "/api"},
//	  "del_headers": ["X-Debug"],
//	  "set_args": {"lang": "go"},
//	  "del_args": ["debug"]
//	}
//
// Every field is optional. path replaces the path; otherwise strip_prefix is
// cut from the start of the path (a path equal to the prefix becomes "/").
//
// The whole rewrite is prepared once in ParseConf and applied with one call.

package scripts

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
	"github.com/go-runner/go-runner/sdk/prepared"
)

func init() {
	if err := plugin.RegisterPlugin(&Rewrite{}); err != nil {
		pluginlog.Fatalf("register rewrite: %s", err)
	}
}

// Rewrite rewrites the request.
type Rewrite struct{ plugin.DefaultPlugin }

// RewriteConf is the conf of rewrite.
type RewriteConf struct {
	StripPrefix string            `json:"strip_prefix"`
	Path        string            `json:"path"`
	SetHeaders  map[string]string `json:"set_headers"`
	DelHeaders  []string          `json:"del_headers"`
	SetArgs     map[string]string `json:"set_args"`
	DelArgs     []string          `json:"del_args"`

	rewrite *prepared.Rewrite
}

// Name is the plugin's name in APISIX's ext-plugin conf.
func (*Rewrite) Name() string { return "rewrite" }

// ParseConf checks the conf.
func (*Rewrite) ParseConf(in []byte) (interface{}, error) {
	var c RewriteConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, err
	}
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		return nil, fmt.Errorf("rewrite: path %q: want an absolute path", c.Path)
	}
	if c.StripPrefix != "" && (!strings.HasPrefix(c.StripPrefix, "/") || c.StripPrefix == "/") {
		return nil, fmt.Errorf("rewrite: strip_prefix %q: want a path such as /api", c.StripPrefix)
	}
	c.rewrite = prepared.NewRewrite(c.Path, c.StripPrefix,
		prepared.NewHeaders(c.SetHeaders, nil, c.DelHeaders), prepared.NewArgs(c.SetArgs, c.DelArgs))
	return &c, nil
}

// RequestFilter rewrites the request.
func (*Rewrite) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	conf.(*RewriteConf).rewrite.Apply(r)
}
