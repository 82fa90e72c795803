// Plugin api-key lets a request through only when its X-Api-Key header
// holds one of the configured keys, and tells the upstream which client it
// was.
//
// Conf:
//
//	{"keys": {"k-123": "billing"}, "header": "X-Api-Key", "status": 401}
//
// header (default X-Api-Key) and status (default 401) are optional. The
// key is removed before the request goes upstream; X-Client carries the
// client's name instead.

package scripts

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

func init() {
	if err := plugin.RegisterPlugin(&APIKey{}); err != nil {
		pluginlog.Fatalf("register api-key: %s", err)
	}
}

// APIKey checks the client's key.
type APIKey struct{ plugin.DefaultPlugin }

// APIKeyConf is the conf of api-key.
type APIKeyConf struct {
	Keys   map[string]string `json:"keys"`
	Header string            `json:"header"`
	Status int               `json:"status"`
}

// Name is the plugin's name in APISIX's ext-plugin conf.
func (*APIKey) Name() string { return "api-key" }

// ParseConf checks the conf and fills in the defaults.
func (*APIKey) ParseConf(in []byte) (interface{}, error) {
	var c APIKeyConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, err
	}
	if len(c.Keys) == 0 {
		return nil, errors.New("api-key: keys is empty: every request would be refused")
	}
	if c.Header == "" {
		c.Header = "X-Api-Key"
	}
	if c.Status == 0 {
		c.Status = http.StatusUnauthorized
	}
	return &c, nil
}

// RequestFilter refuses a request without a known key.
func (*APIKey) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(*APIKeyConf)
	client, ok := c.Keys[r.Header().Get(c.Header)]
	if !ok {
		w.WriteHeader(c.Status)
		return
	}
	r.Header().Del(c.Header)
	r.Header().Set("X-Client", client)
}
