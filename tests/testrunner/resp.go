package main

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Plugins of the response phase and of large bodies.

func init() { register(&resp{}, &big{}) }

type resp struct{}

type respConf struct {
	Status     int               `json:"status"`
	SetHeaders map[string]string `json:"set_headers"`
	DelHeaders []string          `json:"del_headers"`
	Body       *string           `json:"body"`
}

func (*resp) Name() string                             { return "resp" }
func (*resp) ParseConf(in []byte) (interface{}, error) { return parseJSON[respConf]("resp", in) }

// ResponseFilter changes the upstream response as its conf says.
func (*resp) ResponseFilter(conf interface{}, w pluginhttp.Response) {
	c := conf.(*respConf)
	if c.Status != 0 {
		w.WriteHeader(c.Status)
	}
	for k, v := range c.SetHeaders {
		w.Header().Set(k, v)
	}
	for _, k := range c.DelHeaders {
		w.Header().Del(k)
	}
	if c.Body != nil {
		_, _ = w.Write([]byte(*c.Body))
	}
}

// maxBig bounds big's conf.
const maxBig = 64 << 20

type big struct{}

type bigConf struct {
	// N bytes are written.
	N int `json:"n"`
	// Where: "stop" (the default) answers with the body, "rewrite" sets the
	// upstream request body, "resp" replaces the response body.
	Where string `json:"where"`
	body  []byte
}

func (*big) Name() string { return "big" }

func (*big) ParseConf(in []byte) (interface{}, error) {
	c, err := parseJSON[bigConf]("big", in)
	if err != nil {
		return nil, err
	}
	if c.N < 0 || c.N > maxBig {
		return nil, fmt.Errorf("big: n=%d: want 0..%d", c.N, maxBig)
	}
	switch c.Where {
	case "", "stop", "rewrite", "resp":
	default:
		return nil, fmt.Errorf("big: where=%q: want stop, rewrite or resp", c.Where)
	}
	c.body = bytes.Repeat([]byte{'b'}, c.N)
	return c, nil
}

// RequestFilter writes the body to w or into the rewrite.
func (*big) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(*bigConf)
	switch c.Where {
	case "rewrite":
		r.SetBody(c.body)
	case "resp":
	default:
		_, _ = w.Write(c.body)
	}
}

// ResponseFilter replaces the response body when Where is "resp".
func (*big) ResponseFilter(conf interface{}, w pluginhttp.Response) {
	if c := conf.(*bigConf); c.Where == "resp" {
		_, _ = w.Write(c.body)
	}
}
