package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

func init() {
	for _, p := range []plugin.Base{&say{}, &responseRewrite{}} {
		if err := plugin.RegisterPlugin(p); err != nil {
			log.Fatalf("standin: register %s: %s", p.Name(), err)
		}
	}
}

// say answers the client with the conf's body and an X-Resp-A6-Runner
// header, like the reference runner's example of the same name.
type say struct{ plugin.DefaultPlugin }

type sayConf struct {
	Body string `json:"body"`
}

func (*say) Name() string { return "say" }

func (*say) ParseConf(in []byte) (interface{}, error) {
	var c sayConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, fmt.Errorf("say: %w", err)
	}
	return c, nil
}

func (*say) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	body := conf.(sayConf).Body
	if body == "" {
		return
	}
	w.Header().Add("X-Resp-A6-Runner", "Go")
	if _, err := w.Write([]byte(body)); err != nil {
		pluginlog.Errorf("say: write: %s", err)
	}
}

// responseRewrite sets the response's headers and body in post-resp, like
// the reference runner's example without its regex filters (the benchmark
// does not use them), and with the configured status.
type responseRewrite struct{ plugin.DefaultPlugin }

type responseRewriteConf struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func (*responseRewrite) Name() string { return "response-rewrite" }

func (*responseRewrite) ParseConf(in []byte) (interface{}, error) {
	var c responseRewriteConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, fmt.Errorf("response-rewrite: %w", err)
	}
	return c, nil
}

func (*responseRewrite) ResponseFilter(conf interface{}, w pluginhttp.Response) {
	c := conf.(responseRewriteConf)
	if c.Status > 0 {
		w.WriteHeader(c.Status)
	}
	w.Header().Set("X-Resp-A6-Runner", "Go")
	for k, v := range c.Headers {
		w.Header().Set(k, v)
	}
	if c.Body == "" {
		return
	}
	if _, err := w.Write([]byte(c.Body)); err != nil {
		pluginlog.Errorf("response-rewrite: write: %s", err)
	}
}
