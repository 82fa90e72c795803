// Package metrics exports the runner's events as Prometheus metrics.
//
// A *Metrics implements protocol.Observer, so the server reports plugin
// calls, connections, extra info round trips, frame errors and the number
// of prepared confs to it; the script loader reports loads, reloads and load
// failures per unit through UnitLoaded, UnitReloaded and UnitLoadFailed.
// Listen and Serve expose the metrics over HTTP on a loopback address, and
// the runner's status view (GET /status) beside them.
//
// Metrics (all prefixed go_runner_):
//
//	plugin_calls_total{plugin,phase}            plugin calls made
//	plugin_errors_total{plugin,phase}           calls whose plugin returned an error (a rejected conf)
//	plugin_panics_total{plugin,phase}           calls that panicked
//	plugin_timeouts_total{plugin,phase}         calls cut short by plugins.timeout
//	plugin_interrupted_total{plugin,phase}      calls interrupted because their unit was stopped
//	plugin_call_duration_seconds{plugin,phase}  histogram of call latency
//	unit_loads_total{unit}                      units loaded (start-up, or added later)
//	unit_reloads_total{unit}                    units reloaded after a change
//	unit_load_failures_total{unit}              loads and reloads that failed
//	unit_calls_total{unit}                      calls of the unit's plugins, all phases
//	unit_errors_total{unit}                     of which returned an error (a rejected conf)
//	unit_panics_total{unit}                     ... panicked (or found the unit stopped)
//	unit_timeouts_total{unit}                   ... were cut short by plugins.timeout
//	unit_interrupted_total{unit}                ... were interrupted because the unit was stopped
//	unit_cooling_down{unit}                     1 while a unit stopped again soon after its rebuild fails fast (circuit breaker)
//	unit_busy_total{unit}                       ... were refused: the unit ran plugins.max_concurrent_per_unit calls
//	conf_entries                                prepared confs held
//	open_connections                            APISIX connections open
//	connections_total                           APISIX connections accepted
//	extra_info_round_trips_total                ExtraInfo questions asked of APISIX
//	frame_errors_total{reason}                  frames answered with an error before any plugin ran
//	calls_stuck                                 calls past their deadline not returned (blocked in compiled code)
//	worker_deaths_total                         worker processes that died since the runner started (supervised)
//	unit_quarantined{unit}                      1 per unit quarantined after worker deaths (supervised)
//
// plus the standard go_* and process_* collectors.
//
// Phases are parse_conf, request and response. The hot path (PluginCall)
// takes no lock and allocates nothing once a plugin's series exist.
package metrics
