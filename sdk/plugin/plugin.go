package plugin

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Base is what every plugin has: a name, unique in the runner, and a parser
// for the conf APISIX sends (the JSON string of the conf entry's value).
// ParseConf runs once per PrepareConf entry; the value it returns is handed to
// every filter call of that route.
type Base interface {
	Name() string
	ParseConf(in []byte) (conf interface{}, err error)
}

// Plugin is a plugin with both phases. It is the interface of the reference
// runner; a plugin may implement only one of the filters (or the older
// Filter) and still be registered.
type Plugin interface {
	Base
	// RequestFilter runs in ext-plugin-pre-req and ext-plugin-post-req.
	// Writing to w answers the client and stops the chain; changes made
	// through r are sent upstream otherwise.
	RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request)
	// ResponseFilter runs in ext-plugin-post-resp.
	ResponseFilter(conf interface{}, w pluginhttp.Response)
}

// LegacyPlugin is the shape of plugins written for runner versions before
// RequestFilter existed.
type LegacyPlugin interface {
	Base
	Filter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request)
}

// DefaultPlugin gives a plugin no-op filters. Its methods have value
// receivers so that embedding it by value works for scripts too.
type DefaultPlugin struct{}

// RequestFilter does nothing.
func (DefaultPlugin) RequestFilter(interface{}, http.ResponseWriter, pluginhttp.Request) {}

// ResponseFilter does nothing.
func (DefaultPlugin) ResponseFilter(interface{}, pluginhttp.Response) {}
