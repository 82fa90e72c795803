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
	if err := plugin.RegisterPlugin(&Say{}); err != nil {
		log.Fatalf("register say: %s", err)
	}
}

// Say answers the client itself, so the request never reaches the upstream.
// Writing to w is what stops the chain: APISIX replies with w's status,
// headers and body.
type Say struct {
	// DefaultPlugin gives Say a no-op ResponseFilter.
	plugin.DefaultPlugin
}

// SayConf is the JSON conf of a route: {"body": "hello"}.
type SayConf struct {
	Body string `json:"body"`
}

// Name is the name routes use in their ext-plugin conf.
func (*Say) Name() string { return "say" }

// ParseConf runs once per PrepareConf; an error refuses the route's conf.
func (*Say) ParseConf(in []byte) (interface{}, error) {
	var c SayConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, fmt.Errorf("say: %w", err)
	}
	return c, nil
}

// RequestFilter writes the conf's body; an empty body lets the request pass.
func (*Say) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	body := conf.(SayConf).Body
	if body == "" {
		return
	}
	w.Header().Set("X-Resp-A6-Runner", "Go")
	if _, err := w.Write([]byte(body)); err != nil {
		pluginlog.Errorf("say: write: %s", err)
	}
}
