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
// The whole edit is prepared once in ParseConf and applied with one call.

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

	edit *prepared.ResponseEdit
}

// Name is the plugin's name in APISIX's ext-plugin conf.
func (*RespHeader) Name() string { return "resp-header" }

// ParseConf checks the conf.
func (*RespHeader) ParseConf(in []byte) (interface{}, error) {
	var c RespHeaderConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, err
	}
	status := make(map[int]int, len(c.StatusMap))
	for from, to := range c.StatusMap {
		code, err := strconv.Atoi(from)
		if err != nil || code < 100 || code > 599 || to < 200 || to > 599 {
			return nil, fmt.Errorf("resp-header: status_map %q: %d: want statuses such as \"502\": 503", from, to)
		}
		status[code] = to
	}
	c.edit = prepared.NewResponseEdit(prepared.NewHeaders(c.Set, c.Add, c.Del), status)
	return &c, nil
}

// ResponseFilter edits the response.
func (*RespHeader) ResponseFilter(conf interface{}, w pluginhttp.Response) {
	conf.(*RespHeaderConf).edit.Apply(w)
}
