package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&Rewrite{}); err != nil {
		log.Fatalf("register rewrite: %s", err)
	}
}

// Rewrite changes the request on its way upstream. Changes made through r
// are sent back to APISIX as one rewrite once the chain has run.
type Rewrite struct {
	plugin.DefaultPlugin
}

// RewriteConf lists the changes; every field is optional.
type RewriteConf struct {
	// Path replaces the request path.
	Path string `json:"path"`
	// SetHeaders replace request headers, DelHeaders remove them.
	SetHeaders map[string]string `json:"set_headers"`
	DelHeaders []string          `json:"del_headers"`
	// SetArgs replace query arguments, DelArgs remove them.
	SetArgs map[string]string `json:"set_args"`
	DelArgs []string          `json:"del_args"`
	// RespHeaders are added to the response APISIX sends to the client.
	RespHeaders map[string]string `json:"resp_headers"`
}

// Name is the name routes use in their ext-plugin conf.
func (*Rewrite) Name() string { return "rewrite" }

// ParseConf decodes the conf once; RequestFilter gets the result.
func (*Rewrite) ParseConf(in []byte) (interface{}, error) {
	var c RewriteConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, fmt.Errorf("rewrite: %w", err)
	}
	return &c, nil
}

// RequestFilter applies the conf. It does not write to w, so the request
// goes on upstream with the changes.
func (*Rewrite) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(*RewriteConf)
	if c.Path != "" {
		r.SetPath([]byte(c.Path))
	}
	for k, v := range c.SetHeaders {
		r.Header().Set(k, v)
	}
	for _, k := range c.DelHeaders {
		r.Header().Del(k)
	}
	if len(c.SetArgs) > 0 || len(c.DelArgs) > 0 {
		args := r.Args()
		for k, v := range c.SetArgs {
			args.Set(k, v)
		}
		for _, k := range c.DelArgs {
			args.Del(k)
		}
	}
	for k, v := range c.RespHeaders {
		r.RespHeader().Set(k, v)
	}
}
