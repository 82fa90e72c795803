package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-runner/go-runner/protocol"
)

// unitCounters count the calls of the plugins of each script unit, whatever
// the plugin and phase: what an operator watches when a unit is edited
// (its reloads and load failures are counted beside them).
type unitCounters struct {
	calls, errs, panics, timeouts, interrupted, busy *prometheus.CounterVec
}

// unitSeries are one unit's counters.
type unitSeries struct {
	calls, errs, panics, timeouts, interrupted, busy prometheus.Counter
}

func newUnitCounters() *unitCounters {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, []string{"unit"})
	}
	return &unitCounters{
		calls:       counter("unit_calls_total", "Calls of a script unit's plugins, all phases."),
		errs:        counter("unit_errors_total", "Calls of a script unit's plugins that returned an error (a rejected conf)."),
		panics:      counter("unit_panics_total", "Calls of a script unit's plugins that panicked (or found the unit stopped)."),
		timeouts:    counter("unit_timeouts_total", "Calls of a script unit's plugins cut short by plugins.timeout."),
		interrupted: counter("unit_interrupted_total", "Calls of a script unit's plugins interrupted because the unit was stopped."),
		busy:        counter("unit_busy_total", "Calls of a script unit's plugins refused: the unit ran plugins.max_concurrent_per_unit calls."),
	}
}

func (u *unitCounters) collectors() []prometheus.Collector {
	return []prometheus.Collector{u.calls, u.errs, u.panics, u.timeouts, u.interrupted, u.busy}
}

func (u *unitCounters) series(unit string) *unitSeries {
	return &unitSeries{
		calls:       u.calls.WithLabelValues(unit),
		errs:        u.errs.WithLabelValues(unit),
		panics:      u.panics.WithLabelValues(unit),
		timeouts:    u.timeouts.WithLabelValues(unit),
		interrupted: u.interrupted.WithLabelValues(unit),
		busy:        u.busy.WithLabelValues(unit),
	}
}

// unitSeriesFor returns a unit's series, creating them on first use.
func (m *Metrics) unitSeriesFor(unit string) *unitSeries {
	return cachedSeries(&m.unitSeries, &m.seriesMu, unit, func() *unitSeries { return m.units.series(unit) })
}

// unitCall counts one call of a unit's plugin, as PluginCall counts it for
// the plugin.
func (m *Metrics) unitCall(unit string, outcome protocol.Outcome) {
	s := m.unitSeriesFor(unit)
	s.calls.Inc()
	switch outcome {
	case protocol.OutcomeError:
		s.errs.Inc()
	case protocol.OutcomePanic:
		s.panics.Inc()
	case protocol.OutcomeTimeout:
		s.timeouts.Inc()
	case protocol.OutcomeInterrupted:
		s.interrupted.Inc()
	case protocol.OutcomeBusy:
		s.busy.Inc()
	}
}
