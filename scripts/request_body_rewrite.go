// Plugin request-body-rewrite replaces the body of the request sent
// upstream.
//
// Conf:
//
//	{"new_body": "{\"user\":\"anonymous\"}", "content_type": "application/json"}
//
// new_body is required and not empty (APISIX cannot send an empty body
// upstream); content_type, when given, replaces the request's Content-Type
// header too.

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
	if err := plugin.RegisterPlugin(&RequestBodyRewrite{}); err != nil {
		pluginlog.Fatalf("register request-body-rewrite: %s", err)
	}
}

// RequestBodyRewrite replaces the request body.
type RequestBodyRewrite struct{ plugin.DefaultPlugin }

// RequestBodyRewriteConf is the conf of request-body-rewrite.
type RequestBodyRewriteConf struct {
	NewBody     *string `json:"new_body"`
	ContentType string  `json:"content_type"`
}

// Name is the plugin's name in APISIX's ext-plugin conf.
func (*RequestBodyRewrite) Name() string { return "request-body-rewrite" }

// ParseConf checks the conf.
func (*RequestBodyRewrite) ParseConf(in []byte) (interface{}, error) {
	var c RequestBodyRewriteConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, err
	}
	if c.NewBody == nil {
		return nil, errors.New("request-body-rewrite: new_body is required")
	}
	if *c.NewBody == "" {
		return nil, errors.New("request-body-rewrite: new_body is empty, and APISIX cannot send an empty body upstream")
	}
	return &c, nil
}

// RequestFilter replaces the body.
func (*RequestBodyRewrite) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(*RequestBodyRewriteConf)
	r.SetBody([]byte(*c.NewBody))
	if c.ContentType != "" {
		r.Header().Set("Content-Type", c.ContentType)
	}
}
