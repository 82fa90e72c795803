package plugins

import (
	"strconv"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&OpResp{}); err != nil {
		panic(err)
	}
}

// OpResp rewrites the upstream's response.
type OpResp struct{ plugin.DefaultPlugin }

func (*OpResp) Name() string { return "op-resp" }

func (*OpResp) ParseConf(in []byte) (interface{}, error) { return nil, nil }

func (*OpResp) ResponseFilter(conf interface{}, w pluginhttp.Response) {
	body, err := w.ReadBody()
	if err != nil {
		return
	}
	w.Header().Set("X-Upstream-Status", strconv.Itoa(w.StatusCode()))
	w.WriteHeader(203)
	_, _ = w.Write([]byte("wrapped(" + string(body) + ")"))
}
