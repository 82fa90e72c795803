// Plugin fault-injection answers a share of the requests with an error of
// your choice, to see how clients cope with a failing upstream.
//
// Conf:
//
//	{"http_status": 503, "body": "injected fault", "percentage": 25}
//
// http_status is required (200 to 599); percentage is the share of requests
// that fail, 0 to 100 (default 100); body is optional.

package scripts

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

func init() {
	if err := plugin.RegisterPlugin(&FaultInjection{}); err != nil {
		pluginlog.Fatalf("register fault-injection: %s", err)
	}
}

// FaultInjection fails a share of the requests.
type FaultInjection struct{ plugin.DefaultPlugin }

// FaultInjectionConf is the conf of fault-injection.
type FaultInjectionConf struct {
	Status     int    `json:"http_status"`
	Body       string `json:"body"`
	Percentage *int   `json:"percentage"`
}

// Name is the plugin's name in APISIX's ext-plugin conf.
func (*FaultInjection) Name() string { return "fault-injection" }

// ParseConf checks the conf.
func (*FaultInjection) ParseConf(in []byte) (interface{}, error) {
	var c FaultInjectionConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, err
	}
	if c.Status < 200 || c.Status > 599 {
		return nil, fmt.Errorf("fault-injection: http_status %d: want 200 to 599", c.Status)
	}
	if c.Percentage == nil {
		all := 100
		c.Percentage = &all
	}
	if p := *c.Percentage; p < 0 || p > 100 {
		return nil, fmt.Errorf("fault-injection: percentage %d: want 0 to 100", p)
	}
	return &c, nil
}

// RequestFilter fails the request with the configured odds.
func (*FaultInjection) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(*FaultInjectionConf)
	if rand.Intn(100) >= *c.Percentage {
		return
	}
	w.WriteHeader(c.Status)
	if c.Body == "" {
		return
	}
	if _, err := w.Write([]byte(c.Body)); err != nil {
		pluginlog.Errorf("fault-injection: write: %s", err)
	}
}
