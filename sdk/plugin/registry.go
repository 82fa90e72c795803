package plugin

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
)

// Registry maps plugin names to their specs. The runner builds a new
// registry for every set of loaded scripts and swaps it in whole; a Registry
// is not changed after it is published.
type Registry struct {
	specs map[string]*Spec
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{specs: make(map[string]*Spec)} }

// Add registers s. A name registered twice is an error that names both places.
func (r *Registry) Add(s *Spec) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if old, ok := r.specs[s.Name]; ok {
		return fmt.Errorf("plugin %q: %w: %s and %s", s.Name, ErrDuplicate, old.Origin, s.Origin)
	}
	r.specs[s.Name] = s
	return nil
}

// Lookup returns the spec registered as name, or nil.
func (r *Registry) Lookup(name string) *Spec {
	if r == nil {
		return nil
	}
	return r.specs[name]
}

// Names lists the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.specs))
	for n := range r.specs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Len is the number of registered plugins.
func (r *Registry) Len() int { return len(r.specs) }

// Clone returns a copy that can be extended without touching r.
func (r *Registry) Clone() *Registry {
	c := &Registry{specs: make(map[string]*Spec, len(r.specs))}
	for k, v := range r.specs {
		c.specs[k] = v
	}
	return c
}

// compiled holds the plugins registered by RegisterPlugin from compiled code.
var compiled = struct {
	sync.Mutex
	reg *Registry
}{reg: NewRegistry()}

// RegisterPlugin registers a compiled plugin. Call it from init(); a name
// registered twice is an error. Script plugins call the same function, which
// the interpreter routes to the script's unit.
func RegisterPlugin(p Base) error {
	origin := "compiled"
	if _, file, line, ok := runtime.Caller(1); ok {
		origin = fmt.Sprintf("compiled (%s:%d)", file, line)
	}
	s, err := NewSpec(p, origin)
	if err != nil {
		return err
	}
	compiled.Lock()
	defer compiled.Unlock()
	return compiled.reg.Add(s)
}

// Compiled returns a snapshot of the compiled plugins registered so far.
func Compiled() *Registry {
	compiled.Lock()
	defer compiled.Unlock()
	return compiled.reg.Clone()
}
