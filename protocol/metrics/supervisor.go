package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// supervisorMetrics are what a supervised worker knows of the process
// model: what its supervisor told it, and its own stuck calls.
type supervisorMetrics struct {
	deaths      atomic.Int64
	stuck       atomic.Pointer[func() int]
	quarantined *prometheus.GaugeVec
}

func newSupervisorMetrics() *supervisorMetrics {
	return &supervisorMetrics{
		quarantined: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "unit_quarantined",
			Help: "1 for each script unit quarantined after it was among the suspects of worker deaths.",
		}, []string{"unit"}),
	}
}

func (s *supervisorMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		s.quarantined,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: Namespace, Name: "worker_deaths_total",
			Help: "Worker processes that died (a fatal error, a kill) since the runner started.",
		}, func() float64 { return float64(s.deaths.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "calls_stuck",
			Help: "Plugin calls past their deadline that have not returned (blocked in compiled code).",
		}, func() float64 {
			if f := s.stuck.Load(); f != nil {
				return float64((*f)())
			}
			return 0
		}),
	}
}

// SupervisorState records what the supervisor told this worker: how many
// workers died before it, and the units quarantined.
func (m *Metrics) SupervisorState(deaths int, quarantined []string) {
	m.sup.deaths.Store(int64(deaths))
	m.sup.quarantined.Reset()
	for _, u := range quarantined {
		m.sup.quarantined.WithLabelValues(u).Set(1)
	}
}

// WatchStuck makes calls_stuck read f at each scrape.
func (m *Metrics) WatchStuck(f func() int) { m.sup.stuck.Store(&f) }
