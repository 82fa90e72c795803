package plugins

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

func init() {
	if err := plugin.RegisterPlugin(&OpSay{}); err != nil {
		panic(err)
	}
}

// OpSay answers the client: status and body from the conf.
type OpSay struct{ plugin.DefaultPlugin }

type opSayConf struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

func (*OpSay) Name() string { return "op-say" }

func (*OpSay) ParseConf(in []byte) (interface{}, error) {
	var c opSayConf
	err := json.Unmarshal(in, &c)
	return c, err
}

func (*OpSay) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(opSayConf)
	fmt.Println("op-say answering", string(r.Path()))
	pluginlog.Warnf("op-say warned %s", r.Path())
	w.Header().Set("X-Op", "say")
	w.Header().Add("X-Op-Multi", "a")
	w.Header().Add("X-Op-Multi", "b")
	if c.Status != 0 {
		w.WriteHeader(c.Status)
	}
	_, _ = w.Write([]byte(c.Body))
}
