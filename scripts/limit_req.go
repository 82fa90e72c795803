// Plugin limit-req limits a route's request rate with a token bucket
// (golang.org/x/time/rate): after a burst, requests beyond the rate are
// refused.
//
// Conf:
//
//	{"rate": 10, "burst": 20, "rejected_code": 429}
//
// rate is in requests per second (> 0); burst is at least 1 (default: rate,
// rounded up); rejected_code defaults to 503, as APISIX's own limit-req. Each
// route (each prepared conf) has its own bucket. An over-limit request is
// refused at once rather than delayed: a delayed request would hold one of
// APISIX's connections to the runner.

package scripts

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"

	"golang.org/x/time/rate"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

func init() {
	if err := plugin.RegisterPlugin(&LimitReq{}); err != nil {
		pluginlog.Fatalf("register limit-req: %s", err)
	}
}

// LimitReq refuses requests over a route's rate.
type LimitReq struct{ plugin.DefaultPlugin }

// LimitReqConf is the conf of limit-req, with the route's bucket.
type LimitReqConf struct {
	Rate         float64 `json:"rate"`
	Burst        int     `json:"burst"`
	RejectedCode int     `json:"rejected_code"`

	limiter *rate.Limiter
}

// Name is the plugin's name in APISIX's ext-plugin conf.
func (*LimitReq) Name() string { return "limit-req" }

// ParseConf checks the conf and makes the route's bucket, full.
func (*LimitReq) ParseConf(in []byte) (interface{}, error) {
	var c LimitReqConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, err
	}
	if c.Rate <= 0 {
		return nil, fmt.Errorf("limit-req: rate %g: want more than 0", c.Rate)
	}
	if c.Burst == 0 {
		c.Burst = int(math.Ceil(c.Rate))
	}
	if c.Burst < 1 {
		return nil, fmt.Errorf("limit-req: burst %d: want at least 1", c.Burst)
	}
	if c.RejectedCode == 0 {
		c.RejectedCode = http.StatusServiceUnavailable
	}
	if c.RejectedCode < 200 || c.RejectedCode > 599 {
		return nil, fmt.Errorf("limit-req: rejected_code %d: want 200 to 599", c.RejectedCode)
	}
	c.limiter = rate.NewLimiter(rate.Limit(c.Rate), c.Burst)
	return &c, nil
}

// RequestFilter takes a token, or refuses the request.
func (*LimitReq) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(*LimitReqConf)
	if c.limiter.Allow() {
		return
	}
	w.WriteHeader(c.RejectedCode)
}
