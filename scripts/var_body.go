// Plugin var-body tells the upstream about the request with headers: nginx
// and APISIX variables, which it asks APISIX for (Request.Var), and the size
// and digest of the request body (Request.Body).
//
// Conf:
//
//	{"vars": {"remote_addr": "X-Real-IP", "route_id": "X-Route-Id"}, "body_digest": "X-Body-SHA256", "max_body": 1048576}
//
// Each variable is copied into the header it maps to (a variable APISIX does
// not know is skipped). With body_digest, the body's SHA-256 (hex) goes into
// that header and its length into X-Body-Length; a body larger than max_body
// bytes (default 1 MiB) is refused with 413.

package scripts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

func init() {
	if err := plugin.RegisterPlugin(&VarBody{}); err != nil {
		pluginlog.Fatalf("register var-body: %s", err)
	}
}

// VarBody copies variables and a body digest into request headers.
type VarBody struct{ plugin.DefaultPlugin }

// VarBodyConf is the conf of var-body.
type VarBodyConf struct {
	Vars       map[string]string `json:"vars"`
	BodyDigest string            `json:"body_digest"`
	MaxBody    int               `json:"max_body"`
}

// Name is the plugin's name in APISIX's ext-plugin conf.
func (*VarBody) Name() string { return "var-body" }

// ParseConf checks the conf.
func (*VarBody) ParseConf(in []byte) (interface{}, error) {
	var c VarBodyConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, err
	}
	if c.MaxBody == 0 {
		c.MaxBody = 1 << 20
	}
	if c.MaxBody < 0 {
		return nil, fmt.Errorf("var-body: max_body %d: want more than 0", c.MaxBody)
	}
	for name, header := range c.Vars {
		if name == "" || header == "" {
			return nil, fmt.Errorf("var-body: vars: %q -> %q: want a variable and a header name", name, header)
		}
	}
	return &c, nil
}

// RequestFilter sets the headers.
func (*VarBody) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(*VarBodyConf)
	for name, header := range c.Vars {
		v, err := r.Var(name)
		if err != nil {
			pluginlog.Errorf("var-body: var %s: %s", name, err)
			continue
		}
		if v != nil {
			r.Header().Set(header, string(v))
		}
	}
	if c.BodyDigest == "" {
		return
	}
	body, err := r.Body()
	if err != nil {
		pluginlog.Errorf("var-body: body: %s", err)
		return
	}
	if len(body) > c.MaxBody {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	sum := sha256.Sum256(body)
	r.Header().Set(c.BodyDigest, hex.EncodeToString(sum[:]))
	r.Header().Set("X-Body-Length", strconv.Itoa(len(body)))
}
