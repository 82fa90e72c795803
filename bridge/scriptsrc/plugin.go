//go:build ignore

// This file is not compiled: it is the plugin package scripts import, as
// interpreted Go source (see embed.go). It is served under both
// github.com/go-runner/go-runner/sdk/plugin and
// github.com/apache/apisix-go-plugin-runner/pkg/plugin, and mirrors the part of
// sdk/plugin that plugins use. Being interpreted, a script type embedding
// DefaultPlugin by value gets its methods, and RegisterPlugin can find a
// plugin's methods by type assertion without interface wrappers.

package plugin

import (
	"net/http"

	"github.com/go-runner/go-runner/bridge/host"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Base is what every plugin has: a unique name and a conf parser.
type Base interface {
	Name() string
	ParseConf(in []byte) (conf interface{}, err error)
}

// Plugin is a plugin with both phases.
type Plugin interface {
	Base
	RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request)
	ResponseFilter(conf interface{}, w pluginhttp.Response)
}

// LegacyPlugin is the shape of plugins written before RequestFilter existed.
type LegacyPlugin interface {
	Base
	Filter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request)
}

// DefaultPlugin gives a plugin no-op filters.
type DefaultPlugin struct{}

// RequestFilter does nothing.
func (DefaultPlugin) RequestFilter(interface{}, http.ResponseWriter, pluginhttp.Request) {}

// ResponseFilter does nothing.
func (DefaultPlugin) ResponseFilter(interface{}, pluginhttp.Response) {}

// RegisterPlugin registers p in the script's unit. Its methods are resolved
// here, once: Filter (a plugin of the older shape: it wins over the no-op
// RequestFilter such a plugin may get from an embedded DefaultPlugin), else
// RequestFilter, and ResponseFilter. (A type switch with interface cases
// does not match in yaegi v0.16.1; assertions do.)
func RegisterPlugin(p Base) error {
	if p == nil {
		return host.Register("", nil, nil, nil)
	}
	var req func(interface{}, http.ResponseWriter, pluginhttp.Request)
	if f, ok := p.(interface {
		Filter(interface{}, http.ResponseWriter, pluginhttp.Request)
	}); ok {
		req = f.Filter
	} else if f, ok := p.(interface {
		RequestFilter(interface{}, http.ResponseWriter, pluginhttp.Request)
	}); ok {
		req = f.RequestFilter
	}
	var resp func(interface{}, pluginhttp.Response)
	if f, ok := p.(interface {
		ResponseFilter(interface{}, pluginhttp.Response)
	}); ok {
		resp = f.ResponseFilter
	}
	return host.Register(p.Name(), p.ParseConf, req, resp)
}
