package metrics

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/sdk/plugin"
)

// Namespace prefixes every metric name.
const Namespace = "go_runner"

// DurationBuckets are the upper bounds, in seconds, of the plugin call
// latency histogram: from 10 µs (a compiled plugin) to 10 s (past the
// largest plugins.timeout a deployment is likely to set).
var DurationBuckets = []float64{
	0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// Metrics holds the runner's metrics in a registry of its own. It is safe
// for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	calls, errs, panics, timeouts, interrupted *prometheus.CounterVec
	duration                                   *prometheus.HistogramVec

	unitLoads, unitReloads, unitFailures *prometheus.CounterVec
	units                                *unitCounters // calls per unit (unit.go)
	coolingDown                          *prometheus.GaugeVec
	sup                                  *supervisorMetrics

	confEntries prometheus.Gauge
	openConns   prometheus.Gauge
	connsTotal  prometheus.Counter
	extraInfo   prometheus.Counter
	frameErrors *prometheus.CounterVec

	// series caches the per plugin and phase series; copy on write, so
	// that PluginCall reads it without a lock.
	series     atomic.Pointer[map[seriesKey]*pluginSeries]
	unitSeries atomic.Pointer[map[string]*unitSeries]
	seriesMu   sync.Mutex
}

type seriesKey struct {
	plugin string
	phase  protocol.Phase
}

type pluginSeries struct {
	calls, errs, panics, timeouts, interrupted prometheus.Counter
	duration                                   prometheus.Observer
}

var _ protocol.Observer = (*Metrics)(nil)

// New returns metrics registered in a new registry, with the Go runtime
// and process collectors.
func New() *Metrics {
	pluginLabels := []string{"plugin", "phase"}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		reg:         prometheus.NewRegistry(),
		calls:       counter("plugin_calls_total", "Plugin calls made, by plugin and phase.", pluginLabels...),
		errs:        counter("plugin_errors_total", "Plugin calls that returned an error (a conf the plugin rejected).", pluginLabels...),
		panics:      counter("plugin_panics_total", "Plugin calls that panicked.", pluginLabels...),
		timeouts:    counter("plugin_timeouts_total", "Plugin calls cut short by plugins.timeout.", pluginLabels...),
		interrupted: counter("plugin_interrupted_total", "Plugin calls interrupted because their unit was stopped during the call.", pluginLabels...),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "plugin_call_duration_seconds",
			Help:    "Latency of plugin calls, by plugin and phase.",
			Buckets: DurationBuckets,
		}, pluginLabels),
		unitLoads:    counter("unit_loads_total", "Script units loaded.", "unit"),
		unitReloads:  counter("unit_reloads_total", "Script units reloaded after a change.", "unit"),
		unitFailures: counter("unit_load_failures_total", "Loads and reloads of a script unit that failed.", "unit"),
		units:        newUnitCounters(),
		coolingDown: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "unit_cooling_down",
			Help: "1 while a script unit stopped again soon after its rebuild waits for the next one, its calls failing fast.",
		}, []string{"unit"}),
		sup: newSupervisorMetrics(),
		confEntries: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "conf_entries", Help: "Prepared confs held in the conf cache.",
		}),
		openConns: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "open_connections", Help: "Connections from APISIX currently open.",
		}),
		connsTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "connections_total", Help: "Connections from APISIX accepted.",
		}),
		extraInfo: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "extra_info_round_trips_total", Help: "ExtraInfo questions the plugins asked APISIX.",
		}),
		frameErrors: counter("frame_errors_total", "Frames answered with an error before any plugin ran, by reason.", "reason"),
	}
	m.reg.MustRegister(
		m.calls, m.errs, m.panics, m.timeouts, m.interrupted, m.duration,
		m.unitLoads, m.unitReloads, m.unitFailures, m.coolingDown,
		m.confEntries, m.openConns, m.connsTotal, m.extraInfo, m.frameErrors,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.reg.MustRegister(m.units.collectors()...)
	m.reg.MustRegister(m.sup.collectors()...)
	empty := map[seriesKey]*pluginSeries{}
	m.series.Store(&empty)
	noUnits := map[string]*unitSeries{}
	m.unitSeries.Store(&noUnits)
	return m
}

// Registry returns the registry the metrics live in, e.g. to add a
// collector or to gather them in a test.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// seriesFor returns the series of a plugin in a phase, creating them on
// first use.
func (m *Metrics) seriesFor(name string, phase protocol.Phase) *pluginSeries {
	return cachedSeries(&m.series, &m.seriesMu, seriesKey{name, phase}, func() *pluginSeries {
		ph := string(phase)
		return &pluginSeries{
			calls:       m.calls.WithLabelValues(name, ph),
			errs:        m.errs.WithLabelValues(name, ph),
			panics:      m.panics.WithLabelValues(name, ph),
			timeouts:    m.timeouts.WithLabelValues(name, ph),
			interrupted: m.interrupted.WithLabelValues(name, ph),
			duration:    m.duration.WithLabelValues(name, ph),
		}
	})
}

// cachedSeries looks k up in the copy-on-write map at p (a lock-free read
// on the data path) and adds create() under mu on first use.
func cachedSeries[K comparable, V any](p *atomic.Pointer[map[K]V], mu *sync.Mutex, k K, create func() V) V {
	if v, ok := (*p.Load())[k]; ok {
		return v
	}
	mu.Lock()
	defer mu.Unlock()
	old := *p.Load()
	if v, ok := old[k]; ok {
		return v
	}
	v := create()
	next := maps.Clone(old)
	if next == nil {
		next = map[K]V{}
	}
	next[k] = v
	p.Store(&next)
	return v
}

// PluginCall counts one plugin call; the server reports each call once,
// with how it ended (ok, error: ParseConf rejected its conf, panic,
// timeout, interrupted).
//
// The calls of a script's plugins are also counted for its unit.
func (m *Metrics) PluginCall(spec *plugin.Spec, phase protocol.Phase, elapsed time.Duration, outcome protocol.Outcome) {
	if spec.Unit != "" {
		m.unitCall(spec.Unit, outcome)
	}
	s := m.seriesFor(spec.Name, phase)
	s.calls.Inc()
	s.duration.Observe(elapsed.Seconds())
	switch outcome {
	case protocol.OutcomeError:
		s.errs.Inc()
	case protocol.OutcomePanic:
		s.panics.Inc()
	case protocol.OutcomeTimeout:
		s.timeouts.Inc()
	case protocol.OutcomeInterrupted:
		s.interrupted.Inc()
	}
}

// ConnOpened counts a connection from APISIX.
func (m *Metrics) ConnOpened() {
	m.openConns.Inc()
	m.connsTotal.Inc()
}

// ConnClosed counts a connection closed.
func (m *Metrics) ConnClosed() { m.openConns.Dec() }

// ExtraInfo counts one ExtraInfo round trip.
func (m *Metrics) ExtraInfo() { m.extraInfo.Inc() }

// FrameError counts a frame answered with an error before any plugin ran.
func (m *Metrics) FrameError(reason string) { m.frameErrors.WithLabelValues(reason).Inc() }

// ConfEntries sets the number of prepared confs.
func (m *Metrics) ConfEntries(n int) { m.confEntries.Set(float64(n)) }

// UnitLoaded counts a unit loaded at start-up; its reload and failure
// series appear at zero, so that dashboards see every unit.
func (m *Metrics) UnitLoaded(unit string) {
	m.unitLoads.WithLabelValues(unit).Inc()
	m.unitReloads.WithLabelValues(unit)
	m.unitFailures.WithLabelValues(unit)
	m.unitSeriesFor(unit)
}

// UnitReloaded counts a unit reloaded after a change.
func (m *Metrics) UnitReloaded(unit string) { m.unitReloads.WithLabelValues(unit).Inc() }

// UnitCoolingDown sets unit_cooling_down: 1 while a stopped unit waits for
// its delayed rebuild.
func (m *Metrics) UnitCoolingDown(unit string, on bool) {
	v := 0.0
	if on {
		v = 1
	}
	m.coolingDown.WithLabelValues(unit).Set(v)
}

// UnitLoadFailed counts a load or reload of a unit that failed.
func (m *Metrics) UnitLoadFailed(unit string) { m.unitFailures.WithLabelValues(unit).Inc() }
