// Plugin say answers the request itself instead of proxying it upstream.
//
// Conf:
//
//	{"body": "Hello from go-runner", "status": 200, "content_type": "text/plain; charset=utf-8"}
//
// status (default 200) and content_type (default text/plain) are optional.
// An empty body lets the request through unchanged. The answer also carries
// X-Resp-A6-Runner: Go, as the reference runner's say does.
//
// The whole answer is prepared once, in ParseConf, and sent with one call:
// the fast style for scripts (see the README's performance section).

package scripts

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
	"github.com/go-runner/go-runner/sdk/prepared"
)

func init() {
	if err := plugin.RegisterPlugin(&Say{}); err != nil {
		pluginlog.Fatalf("register say: %s", err)
	}
}

// Say answers with a fixed body.
type Say struct{ plugin.DefaultPlugin }

// SayConf is the conf of say.
type SayConf struct {
	Body        string `json:"body"`
	Status      int    `json:"status"`
	ContentType string `json:"content_type"`

	reply *prepared.Reply
}

// Name is the plugin's name in APISIX's ext-plugin conf.
func (*Say) Name() string { return "say" }

// ParseConf checks the conf and fills in the defaults.
func (*Say) ParseConf(in []byte) (interface{}, error) {
	var c SayConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, err
	}
	if c.Status == 0 {
		c.Status = http.StatusOK
	}
	if c.Status < 200 || c.Status > 599 {
		return nil, fmt.Errorf("say: status %d: want 200 to 599", c.Status)
	}
	if c.ContentType == "" {
		c.ContentType = "text/plain; charset=utf-8"
	}
	c.reply = prepared.NewReply(0, nil, nil) // sends nothing: the request goes on
	if c.Body != "" {
		c.reply = prepared.NewReply(c.Status, http.Header{
			"Content-Type":     {c.ContentType},
			"X-Resp-A6-Runner": {"Go"},
		}, []byte(c.Body))
	}
	return &c, nil
}

// RequestFilter answers the client.
func (*Say) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	// Send's only error is a body over the runner's limit, which the
	// runner logs and answers with an error itself.
	conf.(*SayConf).reply.Send(w)
}
