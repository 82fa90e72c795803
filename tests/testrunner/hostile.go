package main

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

// Plugins that misbehave: the runner must answer the call with an error,
// log it once, and keep serving.

func init() {
	register(&panicReq{}, &panicResp{}, &panicConf{}, &rejectConf{}, &slow{})
}

type panicReq struct{}

func (*panicReq) Name() string                          { return "panic-req" }
func (*panicReq) ParseConf([]byte) (interface{}, error) { return nil, nil }
func (*panicReq) RequestFilter(interface{}, http.ResponseWriter, pluginhttp.Request) {
	panic("panic-req: boom in RequestFilter")
}

type panicResp struct{}

func (*panicResp) Name() string                          { return "panic-resp" }
func (*panicResp) ParseConf([]byte) (interface{}, error) { return nil, nil }
func (*panicResp) ResponseFilter(interface{}, pluginhttp.Response) {
	panic("panic-resp: boom in ResponseFilter")
}

type panicConf struct{ plugin.DefaultPlugin }

func (*panicConf) Name() string { return "panic-conf" }
func (*panicConf) ParseConf([]byte) (interface{}, error) {
	panic("panic-conf: boom in ParseConf")
}

// errRejected is what reject-conf's ParseConf returns.
var errRejected = errors.New("reject-conf: this conf is refused by design")

type rejectConf struct{ plugin.DefaultPlugin }

func (*rejectConf) Name() string                          { return "reject-conf" }
func (*rejectConf) ParseConf([]byte) (interface{}, error) { return nil, errRejected }

// maxSleep bounds slow's conf.
const maxSleep = 10 * time.Second

type slow struct{ plugin.DefaultPlugin }

type slowConf struct {
	MS int `json:"ms"`
}

func (*slow) Name() string                             { return "slow" }
func (*slow) ParseConf(in []byte) (interface{}, error) { return parseJSON[slowConf]("slow", in) }

// RequestFilter logs "slow: sleeping" with the call id (so that a test can
// wait for the call to be in flight), sleeps for the conf's milliseconds (at
// most maxSleep) ignoring its context like careless plugin code, then marks
// the request.
func (*slow) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	pluginlog.Warnf("slow: sleeping, call %d", r.ID())
	time.Sleep(min(time.Duration(conf.(*slowConf).MS)*time.Millisecond, maxSleep))
	r.Header().Set("x-slow", "done")
}
