// A plugin written against the reference runner's packages: compiled by go
// test it gets the reference types, interpreted it gets the runner's.

package testdata

import (
	"net/http"

	pkgHTTP "github.com/apache/apisix-go-plugin-runner/pkg/http"
	"github.com/apache/apisix-go-plugin-runner/pkg/plugin"
)

func init() {
	if err := plugin.RegisterPlugin(&RefSay{}); err != nil {
		panic(err)
	}
}

// RefSay answers with the value of the header X-Name.
type RefSay struct{ plugin.DefaultPlugin }

// Name is the plugin's name.
func (*RefSay) Name() string { return "ref-say" }

// ParseConf accepts anything.
func (*RefSay) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

// RequestFilter answers "hi NAME".
func (*RefSay) RequestFilter(conf interface{}, w http.ResponseWriter, r pkgHTTP.Request) {
	r.Header().Set("X-Seen", "1")
	w.Header().Set("X-Conf", conf.(string))
	_, _ = w.Write([]byte("hi " + r.Header().Get("X-Name")))
}

// ResponseFilter tags the response.
func (*RefSay) ResponseFilter(conf interface{}, w pkgHTTP.Response) {
	w.Header().Set("X-Ref", "1")
}
