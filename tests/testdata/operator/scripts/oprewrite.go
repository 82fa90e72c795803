package plugins

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&OpRewrite{}); err != nil {
		panic(err)
	}
}

// OpRewrite changes the request on its way upstream.
type OpRewrite struct{ plugin.DefaultPlugin }

func (*OpRewrite) Name() string { return "op-rewrite" }

func (*OpRewrite) ParseConf(in []byte) (interface{}, error) { return nil, nil }

func (*OpRewrite) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	route, _ := r.Var("route_id")
	r.SetPath([]byte("/v2" + string(r.Path())))
	r.Header().Set("X-Route", string(route))
	r.Header().Del("X-Drop")
	r.Args().Set("page", "2")
	r.Args().Del("debug")
}
