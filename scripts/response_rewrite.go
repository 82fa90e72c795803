// Plugin response-rewrite changes the upstream's response: its status, its
// headers, and its body (replaced, or edited with regular expressions).
//
// Conf:
//
//	{
//	  "status": 418,
//	  "headers": {"X-Rewritten": "yes"},
//	  "body": "replacement body",
//	  "filters": [{"regex": "wor(ld)", "scope": "global", "replace": "go$1"}]
//	}
//
// Every field is optional. status 0 keeps the upstream's status (the
// configured status is the one sent, unlike the reference runner's example,
// which always sends 200). With filters, body is not used: each regex is
// replaced in the upstream body, its first match (scope "once", the default)
// or all of them ("global"), and replace may refer to groups ($1); when no
// filter matches, the body is left alone.
//
// Status, headers and body are prepared once in ParseConf and applied with
// one call; the filters, the rare path, live in a helper of their own.

package scripts

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
	"github.com/go-runner/go-runner/sdk/prepared"
)

func init() {
	if err := plugin.RegisterPlugin(&ResponseRewrite{}); err != nil {
		pluginlog.Fatalf("register response-rewrite: %s", err)
	}
}

// ResponseRewrite rewrites the upstream's response.
type ResponseRewrite struct{ plugin.DefaultPlugin }

// ResponseRewriteConf is the conf of response-rewrite.
type ResponseRewriteConf struct {
	Status  int                     `json:"status"`
	Headers map[string]string       `json:"headers"`
	Body    string                  `json:"body"`
	Filters []ResponseRewriteFilter `json:"filters"`

	reply *prepared.Reply // status, headers, and body unless filters edit it
}

// ResponseRewriteFilter is one regular expression replacement.
type ResponseRewriteFilter struct {
	Regex   string `json:"regex"`
	Scope   string `json:"scope"`
	Replace string `json:"replace"`

	re *regexp.Regexp
}

// Name is the plugin's name in APISIX's ext-plugin conf.
func (*ResponseRewrite) Name() string { return "response-rewrite" }

// ParseConf checks the conf and compiles the filters.
func (*ResponseRewrite) ParseConf(in []byte) (interface{}, error) {
	var c ResponseRewriteConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, err
	}
	if c.Status != 0 && (c.Status < 200 || c.Status > 599) {
		return nil, fmt.Errorf("response-rewrite: status %d: want 200 to 599", c.Status)
	}
	for i := range c.Filters {
		f := &c.Filters[i]
		switch f.Scope {
		case "":
			f.Scope = "once"
		case "once", "global":
		default:
			return nil, fmt.Errorf("response-rewrite: filter %d: scope %q: want once or global", i, f.Scope)
		}
		re, err := regexp.Compile(f.Regex)
		if err != nil {
			return nil, fmt.Errorf("response-rewrite: filter %d: %w", i, err)
		}
		f.re = re
	}
	if len(c.Filters) == 0 {
		c.Filters = nil // "filters": [] is no filter
	}
	hdr := make(http.Header, len(c.Headers))
	for k, v := range c.Headers {
		hdr.Set(k, v)
	}
	var body []byte
	if len(c.Filters) == 0 {
		body = []byte(c.Body)
	}
	c.reply = prepared.NewReply(c.Status, hdr, body)
	return &c, nil
}

// ResponseFilter rewrites the response. The reply's only error is a body
// over the runner's limit, which the runner logs and answers itself.
func (*ResponseRewrite) ResponseFilter(conf interface{}, w pluginhttp.Response) {
	c := conf.(*ResponseRewriteConf)
	c.reply.Rewrite(w)
	if c.Filters != nil {
		responseRewriteFilter(c, w)
	}
}

// responseRewriteFilter edits the upstream body with the filters.
func responseRewriteFilter(c *ResponseRewriteConf, w pluginhttp.Response) {
	body, err := w.ReadBody()
	if err != nil {
		pluginlog.Errorf("response-rewrite: read the upstream body: %s", err)
		return
	}
	matched := false
	for _, f := range c.Filters {
		loc := f.re.FindSubmatchIndex(body)
		if loc == nil {
			continue
		}
		matched = true
		if f.Scope == "global" {
			body = f.re.ReplaceAll(body, []byte(f.Replace))
			continue
		}
		out := make([]byte, 0, len(body)+len(f.Replace))
		out = append(out, body[:loc[0]]...)
		out = f.re.Expand(out, []byte(f.Replace), body, loc)
		body = append(out, body[loc[1]:]...)
	}
	if !matched {
		return
	}
	if _, err := w.Write(body); err != nil {
		pluginlog.Errorf("response-rewrite: write: %s", err)
	}
}
