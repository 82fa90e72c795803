//go:build benchref

// This file is compiled only by compare.sh, into the reference runner
// (github.com/apache/apisix-go-plugin-runner v0.5.0, cmd/go-runner) in a
// temporary folder, next to its main.go: it adds the plugins the reference
// has no example for, with the behaviour of ../scripts (bench-rewrite,
// bench-var), written against the reference's SDK. The build tag keeps it
// out of this module's builds, which do not depend on the reference runner.

package main

import (
	"encoding/json"
	"net/http"

	pkgHTTP "github.com/apache/apisix-go-plugin-runner/pkg/http"
	"github.com/apache/apisix-go-plugin-runner/pkg/log"
	"github.com/apache/apisix-go-plugin-runner/pkg/plugin"
)

func init() {
	for _, p := range []plugin.Plugin{&benchRewrite{}, &benchVar{}} {
		if err := plugin.RegisterPlugin(p); err != nil {
			log.Fatalf("register %s: %s", p.Name(), err)
		}
	}
}

// benchRewrite rewrites the path and sets headers.
type benchRewrite struct{ plugin.DefaultPlugin }

type benchRewriteConf struct {
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
}

func (*benchRewrite) Name() string { return "bench-rewrite" }

func (*benchRewrite) ParseConf(in []byte) (interface{}, error) {
	var c benchRewriteConf
	err := json.Unmarshal(in, &c)
	return c, err
}

func (*benchRewrite) RequestFilter(conf interface{}, w http.ResponseWriter, r pkgHTTP.Request) {
	c := conf.(benchRewriteConf)
	if c.Path != "" {
		r.SetPath([]byte(c.Path))
	}
	for k, v := range c.Headers {
		r.Header().Set(k, v)
	}
}

// benchVar copies one variable, asked from APISIX, into a request header.
type benchVar struct{ plugin.DefaultPlugin }

type benchVarConf struct {
	Var    string `json:"var"`
	Header string `json:"header"`
}

func (*benchVar) Name() string { return "bench-var" }

func (*benchVar) ParseConf(in []byte) (interface{}, error) {
	var c benchVarConf
	err := json.Unmarshal(in, &c)
	return c, err
}

func (*benchVar) RequestFilter(conf interface{}, w http.ResponseWriter, r pkgHTTP.Request) {
	c := conf.(benchVarConf)
	v, err := r.Var(c.Var)
	if err != nil {
		log.Errorf("bench-var: var %s: %s", c.Var, err)
		return
	}
	r.Header().Set(c.Header, string(v))
}
