package plugintest

import (
	"net/http"

	pkgHTTP "github.com/apache/apisix-go-plugin-runner/pkg/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// In the runner, a script importing the reference runner's pkg/http gets
// pluginhttp's types under that path. Compiled, they are other types: a
// plugin written against them takes a pkgHTTP.Request, whose Header method
// returns pkgHTTP.Header. These views hand it the same fakes.

type refRequest struct{ pluginhttp.Request }

var (
	_ pkgHTTP.Request  = refRequest{}
	_ pkgHTTP.Response = refResponse{}
)

// Ref returns r as the reference runner's pkg/http.Request, for a test that
// calls such a plugin's methods itself; changes go to r.
func (r *Request) Ref() pkgHTTP.Request { return refRequest{r} }

// Ref returns r as the reference runner's pkg/http.Response; changes go to r.
func (r *Response) Ref() pkgHTTP.Response { return refResponse{r} }

func (r refRequest) Header() pkgHTTP.Header { return r.Request.Header() }

type refResponse struct{ pluginhttp.Response }

func (r refResponse) Header() pkgHTTP.Header { return r.Response.Header() }

// refFilters fills in the filters of s that p has with the reference
// runner's types.
func refFilters(s *plugin.Spec, p any) {
	if f, ok := p.(interface {
		RequestFilter(any, http.ResponseWriter, pkgHTTP.Request)
	}); ok && s.RequestFilter == nil {
		s.RequestFilter = func(conf any, w http.ResponseWriter, r pluginhttp.Request) {
			f.RequestFilter(conf, w, refRequest{r})
		}
	}
	if f, ok := p.(interface {
		ResponseFilter(any, pkgHTTP.Response)
	}); ok && s.ResponseFilter == nil {
		s.ResponseFilter = func(conf any, w pluginhttp.Response) {
			f.ResponseFilter(conf, refResponse{w})
		}
	}
}
