package plugin

import (
	"fmt"
	"net/http"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// RequestFunc is a resolved request filter.
type RequestFunc func(conf interface{}, w http.ResponseWriter, r pluginhttp.Request)

// ResponseFunc is a resolved response filter.
type ResponseFunc func(conf interface{}, w pluginhttp.Response)

// ParseFunc is a resolved conf parser.
type ParseFunc func(in []byte) (interface{}, error)

// Spec is a registered plugin with its methods resolved once, so that a call
// costs no interface or reflection lookup.
type Spec struct {
	Name string
	// Origin says where the plugin was registered, e.g. "compiled
	// (plugins/say.go:25)" or "script scripts/say.go"; it names both places
	// when a name is registered twice.
	Origin string
	// Unit is the script unit that registered it, "" for compiled plugins.
	Unit string

	ParseConf      ParseFunc
	RequestFilter  RequestFunc  // nil: the plugin has no request phase
	ResponseFilter ResponseFunc // nil: the plugin has no response phase

	// Guard is set for plugins whose code can be interrupted (scripts).
	Guard Guard
}

// Guard lets the runner stop runaway plugin code and notice that it did.
type Guard interface {
	// Epoch changes each time the code is interrupted. A call that sees it
	// change was cut short and its results must not be used.
	Epoch() uint64
	// Interrupt stops every call running in the plugin's code.
	Interrupt(reason string)
}

// NewSpec resolves p's methods. p must have RequestFilter, Filter or
// ResponseFilter besides Name and ParseConf.
func NewSpec(p Base, origin string) (*Spec, error) {
	if p == nil {
		return nil, fmt.Errorf("plugin: %w", ErrNilPlugin)
	}
	s := &Spec{Name: p.Name(), Origin: origin, ParseConf: p.ParseConf}
	// Filter is the request filter of the older shape; it wins over the
	// no-op RequestFilter such a plugin may get from DefaultPlugin.
	switch f := p.(type) {
	case interface {
		Filter(interface{}, http.ResponseWriter, pluginhttp.Request)
	}:
		s.RequestFilter = f.Filter
	case interface {
		RequestFilter(interface{}, http.ResponseWriter, pluginhttp.Request)
	}:
		s.RequestFilter = f.RequestFilter
	}
	if f, ok := p.(interface {
		ResponseFilter(interface{}, pluginhttp.Response)
	}); ok {
		s.ResponseFilter = f.ResponseFilter
	}
	return s, s.Validate()
}

// Validate checks that the spec can be served.
func (s *Spec) Validate() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("plugin (%s): %w", s.Origin, ErrNoName)
	case s.ParseConf == nil:
		return fmt.Errorf("plugin %q (%s): %w", s.Name, s.Origin, ErrNoParseConf)
	case s.RequestFilter == nil && s.ResponseFilter == nil:
		return fmt.Errorf("plugin %q (%s): %w", s.Name, s.Origin, ErrNoFilter)
	}
	return nil
}
