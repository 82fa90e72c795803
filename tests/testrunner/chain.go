package main

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Plugins for the chain tests: mark records the order plugins ran in, say
// stops the chain, rewrite changes everything a Rewrite can carry, noop
// reads without changing.

func init() { register(&mark{}, &say{}, &rewrite{}, &noop{}) }

type mark struct{ plugin.DefaultPlugin }

type markConf struct {
	Tag string `json:"tag"`
}

func (*mark) Name() string                             { return "mark" }
func (*mark) ParseConf(in []byte) (interface{}, error) { return parseJSON[markConf]("mark", in) }

// RequestFilter appends its tag to the x-order request header.
func (*mark) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	h := r.Header()
	h.Set("x-order", h.Get("x-order")+conf.(*markConf).Tag)
}

type say struct{ plugin.DefaultPlugin }

type sayConf struct {
	Body    string              `json:"body"`
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers"`
}

func (*say) Name() string                             { return "say" }
func (*say) ParseConf(in []byte) (interface{}, error) { return parseJSON[sayConf]("say", in) }

// RequestFilter answers the client: the conf's status, headers (each value
// added) and body, plus X-Resp-A6-Runner and the x-order seen so far.
func (*say) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(*sayConf)
	w.Header().Set("X-Resp-A6-Runner", "Go")
	if o := r.Header().Get("x-order"); o != "" {
		w.Header().Set("X-Order", o)
	}
	for k, vs := range c.Headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if c.Status != 0 {
		w.WriteHeader(c.Status)
	}
	_, _ = w.Write([]byte(c.Body))
}

type rewrite struct{ plugin.DefaultPlugin }

type rewriteConf struct {
	Path        *string             `json:"path"`
	SetHeaders  map[string]string   `json:"set_headers"`
	AddHeaders  map[string][]string `json:"add_headers"`
	DelHeaders  []string            `json:"del_headers"`
	SetArgs     map[string]string   `json:"set_args"`
	AddArgs     map[string][]string `json:"add_args"`
	DelArgs     []string            `json:"del_args"`
	RespHeaders map[string]string   `json:"resp_headers"`
	Body        *string             `json:"body"`
}

func (*rewrite) Name() string { return "rewrite" }
func (*rewrite) ParseConf(in []byte) (interface{}, error) {
	return parseJSON[rewriteConf]("rewrite", in)
}

// RequestFilter applies every change of the conf through the Request API.
func (*rewrite) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(*rewriteConf)
	if c.Path != nil {
		r.SetPath([]byte(*c.Path))
	}
	h := r.Header()
	for k, v := range c.SetHeaders {
		h.Set(k, v)
	}
	for k, vs := range c.AddHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, k := range c.DelHeaders {
		h.Del(k)
	}
	if len(c.SetArgs)+len(c.AddArgs)+len(c.DelArgs) > 0 {
		args := r.Args()
		for k, v := range c.SetArgs {
			args.Set(k, v)
		}
		for k, vs := range c.AddArgs {
			for _, v := range vs {
				args.Add(k, v)
			}
		}
		for _, k := range c.DelArgs {
			args.Del(k)
		}
	}
	for k, v := range c.RespHeaders {
		r.RespHeader().Set(k, v)
	}
	if c.Body != nil {
		r.SetBody([]byte(*c.Body))
	}
}

type noop struct{ plugin.DefaultPlugin }

func (*noop) Name() string                          { return "noop" }
func (*noop) ParseConf([]byte) (interface{}, error) { return nil, nil }

// RequestFilter reads the request without changing it: the reply must be
// empty.
func (*noop) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	_ = r.Path()
	_ = r.Header().Get("host")
	_ = r.Header().View()
	_ = r.Args().Get("a")
	_ = r.Method()
	_ = r.SrcIP()
}

// ResponseFilter reads the response without changing it.
func (*noop) ResponseFilter(conf interface{}, w pluginhttp.Response) {
	_ = w.StatusCode()
	_ = w.Header().Get("content-type")
}
