// Plugin resp-header works on the upstream's response (ext-plugin-post-resp):
// it sets, adds and removes response headers and can map the status.
//
// Conf:
//
//	{
//	  "set": {"X-Frame-Options": "DENY"},
//	  "add": {"Vary": "Origin"},
//	  "del": ["X-Powered-By"],
//	  "status_map": {"502": 503}
//	}
//
// Every field is optional. The other headers of the response are kept.
//
// The header edits are prepared once in ParseConf and applied with one call;
// the status is looked at only when status_map is set.

package scripts

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
	"github.com/go-runner/go-runner/sdk/prepared"
)

func init() {
	if err := plugin.RegisterPlugin(&RespHeader{}); err != nil {
		pluginlog.Fatalf("register resp-header: %s", err)
	}
}

// RespHeader edits the response headers and status.
type RespHeader struct{ plugin.DefaultPlugin }

// RespHeaderConf is the conf of resp-header.
type RespHeaderConf struct {
	Set       map[string]string `json:"set"`
	Add       map[string]string `json:"add"`
	Del       []string          `json:"del"`
	StatusMap map[string]int    `json:"status_map"`

	headers *prepared.Headers
	status  map[int]int // nil without status_map
}

// Name is the plugin's name in APISIX's ext-plugin conf.
func (*RespHeader) Name() string { return "resp-header" }

// ParseConf checks the conf.
func (*RespHeader) ParseConf(in []byte) (interface{}, error) {
	var c RespHeaderConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, err
	}
	c.headers = prepared.NewHeaders(c.Set, c.Add, c.Del)
	if len(c.StatusMap) > 0 {
		c.status = make(map[int]int, len(c.StatusMap))
	}
	for from, to := range c.StatusMap {
		code, err := strconv.Atoi(from)
		if err != nil || code < 100 || code > 599 || to < 200 || to > 599 {
			return nil, fmt.Errorf("resp-header: status_map %q: %d: want statuses such as \"502\": 503", from, to)
		}
		c.status[code] = to
	}
	return &c, nil
}

// ResponseFilter edits the response.
func (*RespHeader) ResponseFilter(conf interface{}, w pluginhttp.Response) {
	c := conf.(*RespHeaderConf)
	c.headers.Apply(w.Header())
	if c.status == nil {
		return
	}
	if to, ok := c.status[w.StatusCode()]; ok {
		w.WriteHeader(to)
	}
}
