package interp

import (
	"encoding/hex"
	"errors"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// DefaultDebounce is ReloadConfig.Debounce's default.
const DefaultDebounce = 200 * time.Millisecond

// UnitEvents counts what happens to units (package metrics implements it).
// Each event is counted before it is logged, so whoever reads the log line
// finds it counted.
type UnitEvents interface {
	UnitLoaded(unit string)     // a unit served for the first time
	UnitReloaded(unit string)   // a new version of a unit served, or a unit rebuilt after an interrupt
	UnitLoadFailed(unit string) // a load or reload that failed
	// UnitCoolingDown says whether a stopped unit waits for its delayed
	// rebuild, its calls failing fast meanwhile (the circuit breaker of
	// units whose calls keep overrunning).
	UnitCoolingDown(unit string, on bool)
}

// Publisher serves reg in place of the registry served so far. It calls
// retire, at once or later on any goroutine, once no call can still start
// a plugin of the registry it replaced; retire closes the units that
// registry no longer serves.
type Publisher func(reg *plugin.Registry, retire func())

// ReloadConfig configures a Reloader.
type ReloadConfig struct {
	// Config is how units load; Dir is the directory watched.
	Config
	// Base holds the compiled plugins, served besides the units
	// (plugin.Compiled()); nil for none.
	Base *plugin.Registry
	// Publish serves each new registry. Nil: nothing is published (Load
	// alone, as `go-runner check` does).
	Publish Publisher
	// Watch turns on the file watcher in Run; without it only Reload (on
	// SIGHUP) and stopped units trigger a rescan.
	Watch bool
	// Debounce is how long the files must be quiet after a change before
	// the rescan; DefaultDebounce when zero, none when negative. However
	// busy the files, a rescan comes at most maxDelay(Debounce) after the
	// first change.
	Debounce time.Duration
	// Events, if set, counts loads, reloads and failures.
	Events UnitEvents
	// Hold, when set, is asked about each unit version (name, content sum
	// in hex) a scan finds, one unit after another, just before that unit
	// is loaded: a version it holds is not loaded, and is no longer served
	// (a supervisor's quarantine). Rescan after it changes.
	Hold func(unit, sum string) bool
	// Prove, if set, proves each unit version before this process
	// evaluates it: it is called with Config and the unit's snapshot once
	// the source passed the static checks, before every load (Load, a
	// rescan, a rebuild). An error fails the load as a compile error does:
	// the served version, if any, keeps serving, the failure is logged once,
	// and the same content is not tried again until it changes (or Reload).
	// Prober.Prove runs the load in a throwaway process, so that a fatal
	// error of a script's init kills that process and not this one.
	Prove ProveFunc
}

// Reloader owns the set of units served: it loads the scripts directory,
// and on each rescan loads the units whose files changed aside, builds the
// registry that would serve them, and publishes it only when they all
// loaded and no plugin name clashes; a unit that fails keeps its version
// served, and the failure is logged once. Rescans are serialized.
type Reloader struct {
	cfg ReloadConfig
	log *zap.Logger

	mu      sync.Mutex // serializes Load and rescans; guards what follows
	served  map[string]*servedUnit
	failed  map[string]failure
	held    map[string]heldUnit // versions Hold kept out at the last rescan
	gen     uint64              // bumped by each publish
	reg     *plugin.Registry
	badDir  string   // the last error reading Dir, logged once
	watcher *watcher // set by Run when watching

	reload chan struct{} // Reload: rescan, retrying failed content
	kick   chan struct{} // a served unit was stopped: rescan

	rebuildBackoff time.Duration // the first delay of rebuildDelay

	// afterRescan, when set (tests), sees each rescan Run makes.
	afterRescan func(Report)
}

// servedUnit is a unit being served, with the sum of the content it was
// loaded from.
type servedUnit struct {
	u     *Unit
	sum   sum
	files []string  // its source files, as the scripts directory names them
	since time.Time // served since
	// rebuilds counts the rebuilds after a stop in a row, each stopped
	// again within rebuildWindow of its start; stopped is when a rescan
	// first found it stopped.
	rebuilds int
	stopped  time.Time
}

// A unit stopped again soon after it was rebuilt from the same content is
// rebuilt after a delay that doubles each time, up to maxRebuildDelay: a
// conf whose ParseConf never returns would otherwise have the rebuild, the
// re-parse of the prepared confs and the stop go round for ever.
const maxRebuildDelay = time.Minute

// rebuildWindow is how soon after its start a stop counts as "again".
func (r *Reloader) rebuildWindow() time.Duration {
	return max(10*time.Second, 3*r.cfg.LoadTimeout)
}

// rebuildDelay is the wait before the rebuild after n rebuilds in a row.
func (r *Reloader) rebuildDelay(n int) time.Duration {
	if n == 0 {
		return 0
	}
	return min(r.rebuildBackoff<<min(n-1, 16), maxRebuildDelay)
}

// failure is the content of a unit that failed to load: it is not tried
// again (until Reload) unless its content changes, or, for a plugin name
// clash, the served set changes.
type failure struct {
	sum   sum
	clash bool
	gen   uint64
	err   error     // why (Status)
	at    time.Time // when
	files []string
}

// Report says what one rescan did.
type Report struct {
	Added    []string // units served for the first time
	Reloaded []string // units whose new version is served
	Rebuilt  []string // units rebuilt after an interrupt stopped them
	Removed  []string // units no longer served
	Failed   []error  // one *UnitError per unit that failed; its old version, if any, keeps serving
	// Published is whether a new registry was published.
	Published bool
	// RetryIn, when not zero, is when a stopped unit is due for its
	// delayed rebuild: Run rescans then.
	RetryIn time.Duration
}

func (r Report) changed() bool {
	return len(r.Added)+len(r.Reloaded)+len(r.Rebuilt)+len(r.Removed) > 0
}

// NewReloader returns a reloader for cfg. Nothing is loaded before Load.
func NewReloader(cfg ReloadConfig) *Reloader {
	cfg.Config = cfg.Config.withDefaults()
	if cfg.Debounce == 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.Base == nil {
		cfg.Base = plugin.NewRegistry()
	}
	return &Reloader{
		cfg:    cfg,
		log:    cfg.Logger.Named("interp"),
		served: make(map[string]*servedUnit),
		failed: make(map[string]failure),
		reg:    cfg.Base.Clone(),
		reload: make(chan struct{}, 1),
		kick:   make(chan struct{}, 1),

		rebuildBackoff: time.Second,
	}
}

// Load loads the scripts directory, as LoadDir and Build do, and returns
// the registry to serve first and one error per unit that failed (not
// logged: the caller reports them). It publishes nothing. An error reading
// the directory is returned as the only error.
func (r *Reloader) Load() (*plugin.Registry, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep, err := r.rescan(false, true)
	if err != nil {
		return r.reg, []error{&UnitError{Unit: r.cfg.Dir, Err: err}}
	}
	return r.reg, rep.Failed
}

// Registry is the registry served now.
func (r *Reloader) Registry() *plugin.Registry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reg
}

// Units are the units served now, sorted by name.
func (r *Reloader) Units() []*Unit {
	r.mu.Lock()
	defer r.mu.Unlock()
	units := make([]*Unit, 0, len(r.served))
	for _, name := range sortedKeys(r.served) {
		units = append(units, r.served[name].u)
	}
	return units
}

// Reload asks Run for a rescan that also retries units whose last load
// failed (SIGHUP). It does not wait.
func (r *Reloader) Reload() { poke(r.reload) }

// CallFailed tells the reloader that a call of spec failed. When its unit
// is served and was stopped (Interrupt, after a call overran its deadline),
// Run rebuilds it from its source. It does not wait, and is cheap enough
// for every failed call.
func (r *Reloader) CallFailed(spec *plugin.Spec) {
	if u, ok := spec.Guard.(*Unit); ok && u.Dead() {
		poke(r.kick)
	}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Rescan looks at the scripts directory now, as Run does on a change, and
// publishes what changed. retryFailed also loads units whose content
// failed before. It returns what it did; failures are logged.
func (r *Reloader) Rescan(retryFailed bool) Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep, err := r.rescan(retryFailed, false)
	// A version refused for a plugin name clash is retried once the served
	// set changed (the other unit may be gone): at once.
	for published := rep.Published; err == nil && published && r.clashPending(); {
		var more Report
		if more, err = r.rescan(false, false); err == nil {
			rep = rep.merge(more)
			published = more.Published
		}
	}
	if err != nil {
		if msg := err.Error(); msg != r.badDir {
			r.badDir = msg
			r.log.Error("cannot read the scripts directory; the units loaded keep serving",
				zap.String("dir", r.cfg.Dir), zap.Error(err))
		}
		return rep
	}
	r.badDir = ""
	return rep
}

// clashPending reports whether a unit refused for a name clash would be
// tried again.
func (r *Reloader) clashPending() bool {
	for _, f := range r.failed {
		if f.clash && f.gen != r.gen {
			return true
		}
	}
	return false
}

// merge adds what o did to r.
func (r Report) merge(o Report) Report {
	r.Added = append(r.Added, o.Added...)
	r.Reloaded = append(r.Reloaded, o.Reloaded...)
	r.Rebuilt = append(r.Rebuilt, o.Rebuilt...)
	r.Removed = append(r.Removed, o.Removed...)
	r.Failed = append(r.Failed, o.Failed...)
	r.Published = r.Published || o.Published
	if o.RetryIn > 0 && (r.RetryIn == 0 || o.RetryIn < r.RetryIn) {
		r.RetryIn = o.RetryIn
	}
	return r
}

// candidate is a unit version loaded aside.
type candidate struct {
	name     string
	u        *Unit
	sum      sum
	files    []string
	old      *servedUnit // the version served, if any
	rebuild  bool        // same content as old, which was stopped
	rebuilds int         // rebuilds in a row, this one included
	took     time.Duration
}

// rescan does the work of Load and Rescan; r.mu is held.
func (r *Reloader) rescan(retryFailed, initial bool) (Report, error) {
	var rep Report
	sc, err := scanDir(r.cfg.Dir, r.watcher.add)
	if err != nil {
		return rep, err
	}
	r.watcher.prune(sc.folders)
	var cands []*candidate
	keep := make(map[string]*servedUnit) // served units that stay as they are
	var removed []*servedUnit
	held := make(map[string]heldUnit)
	defer func() { r.held = held }()
	for _, name := range sortedKeys(sc.units) {
		src := sc.units[name]
		old := r.served[name]
		if src.err != nil {
			// Unreadable now (permissions, a swap half done): keep what
			// is served; a later change rescans. Its sum is zero.
			if old != nil {
				keep[name] = old
			}
			if f, ok := r.failed[name]; !ok || f.sum != src.sum || retryFailed {
				r.fail(&rep, name, src.sum, nil, false, old != nil, initial, src.err)
			}
			continue
		}
		if r.cfg.Hold != nil && r.cfg.Hold(name, hex.EncodeToString(src.sum[:])) {
			// Quarantined: not served, whatever was.
			held[name] = heldUnit{sum: src.sum, files: src.snap.fileNames()}
			if old != nil {
				removed = append(removed, old)
			}
			continue
		}
		if old != nil && old.sum == src.sum && !old.u.Dead() {
			keep[name] = old
			delete(r.failed, name) // back to the version served
			continue
		}
		rebuilds := 0
		if old != nil && old.sum == src.sum { // stopped: rebuild it
			now := time.Now()
			first := old.stopped.IsZero()
			if first {
				old.stopped = now
			}
			if old.stopped.Sub(old.since) <= r.rebuildWindow() {
				rebuilds = old.rebuilds
			}
			if wait := r.rebuildDelay(rebuilds) - now.Sub(old.stopped); wait > 0 {
				if first {
					r.log.Warn("script unit stopped again soon after its rebuild; its calls fail until the next rebuild",
						zap.String("unit", name), zap.Int("rebuilds", rebuilds), zap.Duration("next_in", wait))
					if r.cfg.Events != nil {
						r.cfg.Events.UnitCoolingDown(name, true)
					}
				}
				keep[name] = old
				if rep.RetryIn == 0 || wait < rep.RetryIn {
					rep.RetryIn = wait
				}
				continue
			}
			rebuilds++
		}
		// A content that failed is not tried again, but for a stopped
		// unit's rebuild: its calls fail until a rebuild loads.
		if f, ok := r.failed[name]; ok && !retryFailed && rebuilds == 0 && f.sum == src.sum && (!f.clash || f.gen == r.gen) {
			if old != nil {
				keep[name] = old // failed before: not tried again
			}
			continue
		}
		start := time.Now()
		u, err := load(r.cfg.Config, src.snap, r.cfg.Prove)
		if u != nil {
			u.sum = hex.EncodeToString(src.sum[:])
			kick := func() { poke(r.kick) } // a callback overran: rebuild
			u.onStop.Store(&kick)
		}
		switch {
		case errors.Is(err, errNoDecls):
			// The unit's files declare nothing now: it is gone.
			if old != nil {
				removed = append(removed, old)
			}
			delete(r.failed, name)
		case err != nil && rebuilds > 0:
			keep[name] = old
			r.rebuildFailed(&rep, old, rebuilds, src, err)
		case err != nil:
			if old != nil {
				keep[name] = old
			}
			r.fail(&rep, name, src.sum, src.snap.fileNames(), false, old != nil, initial, hintShared(err, name, sc.snapshots()))
		default:
			cands = append(cands, &candidate{name: name, u: u, sum: src.sum, files: src.snap.fileNames(), old: old,
				rebuild: old != nil && old.sum == src.sum, rebuilds: rebuilds, took: time.Since(start)})
		}
	}
	for _, name := range sortedKeys(r.served) {
		if _, ok := sc.units[name]; !ok {
			removed = append(removed, r.served[name])
			delete(r.failed, name)
		}
	}
	for name := range r.failed {
		if _, ok := sc.units[name]; !ok {
			delete(r.failed, name) // gone: nothing to report (Status)
		}
	}

	// The registry: the units that stay, then the new versions (a name
	// clash refuses the new version and keeps the old one).
	reg := r.cfg.Base.Clone()
	next := make(map[string]*servedUnit, len(keep)+len(cands))
	for _, name := range sortedKeys(keep) {
		if err := addUnit(reg, keep[name].u); err != nil {
			// Cannot happen: these units were served together.
			r.log.Error("script unit dropped: its plugins clash with another unit's", zap.String("unit", name), zap.Error(err))
			removed = append(removed, keep[name])
			continue
		}
		next[name] = keep[name]
	}
	var retired []*Unit
	var accepted, refused []*candidate
	for _, c := range cands {
		if err := addUnit(reg, c.u); err != nil {
			c.u.Close()
			r.fail(&rep, c.name, c.sum, c.files, true, c.old != nil, initial, err)
			refused = append(refused, c)
			continue
		}
		next[c.name] = &servedUnit{u: c.u, sum: c.sum, files: c.files, since: time.Now(), rebuilds: c.rebuilds}
		delete(r.failed, c.name)
		switch {
		case c.old == nil:
			rep.Added = append(rep.Added, c.name)
		case c.rebuild:
			rep.Rebuilt = append(rep.Rebuilt, c.name)
			retired = append(retired, c.old.u)
		default:
			rep.Reloaded = append(rep.Reloaded, c.name)
			retired = append(retired, c.old.u)
		}
		accepted = append(accepted, c)
	}
	for _, c := range refused {
		if c.old == nil {
			continue
		}
		if err := addUnit(reg, c.old.u); err != nil {
			// A new version of another unit took its plugin name.
			r.log.Error("script unit no longer served: another unit now registers its plugin",
				zap.String("unit", c.name), zap.Error(err))
			removed = append(removed, c.old)
			continue
		}
		next[c.name] = c.old
	}
	for _, old := range removed {
		rep.Removed = append(rep.Removed, old.u.Name())
		retired = append(retired, old.u)
	}
	sort.Strings(rep.Removed)

	if !rep.changed() && !initial {
		return rep, nil
	}
	r.served, r.reg = next, reg
	r.gen++
	if initial || r.cfg.Publish == nil {
		closeAll(retired)
	} else {
		r.cfg.Publish(reg, func() { closeAll(retired) })
		rep.Published = true
	}
	// Logged once served: a line says what the next call runs.
	for _, c := range accepted {
		r.loaded(c, initial)
	}
	if !initial {
		for _, name := range rep.Removed {
			r.log.Info("script unit removed", zap.String("unit", name))
		}
	}
	return rep, nil
}

// loaded counts and logs a candidate now served. It counts first, so that
// whoever reads the log line finds the metric already incremented.
func (r *Reloader) loaded(c *candidate, initial bool) {
	if r.cfg.Events != nil {
		if c.old == nil {
			r.cfg.Events.UnitLoaded(c.name)
		} else {
			r.cfg.Events.UnitReloaded(c.name)
			r.cfg.Events.UnitCoolingDown(c.name, false)
		}
	}
	switch {
	case initial:
		r.log.Debug("script unit loaded", zap.String("unit", c.name), zap.Duration("took", c.took))
	case c.old == nil:
		r.log.Info("script unit added", zap.String("unit", c.name), zap.Strings("plugins", specNames(c.u)), zap.Duration("took", c.took))
	case c.rebuild:
		r.log.Warn("script unit rebuilt after it was stopped", zap.String("unit", c.name), zap.Duration("took", c.took))
	default:
		r.log.Info("script unit reloaded", zap.String("unit", c.name), zap.Strings("plugins", specNames(c.u)), zap.Duration("took", c.took))
	}
}

// fail records, reports, counts and (after the first load, whose caller
// reports the errors) logs a unit that failed to load with content s.
func (r *Reloader) fail(rep *Report, name string, s sum, files []string, clash, served, initial bool, err error) {
	var ue *UnitError
	if !errors.As(err, &ue) {
		err = &UnitError{Unit: name, Err: err}
	}
	rep.Failed = append(rep.Failed, err)
	r.failed[name] = failure{sum: s, clash: clash, gen: r.gen, err: err, at: time.Now(), files: files}
	if r.cfg.Events != nil {
		r.cfg.Events.UnitLoadFailed(name)
	}
	if initial {
		return
	}
	msg := "script unit failed to load"
	if served {
		msg = "script unit failed to reload; its previous version keeps serving"
	}
	r.log.Error(msg, zap.String("unit", name), zap.String("dir", r.cfg.Dir), zap.String("error", err.Error()))
}

// rebuildFailed reports the failed rebuild of a stopped unit (a load
// timeout on a busy machine, an init that fails now): its calls keep
// failing, and it is rebuilt again after the delay of one more rebuild in
// a row, as a unit stopped again soon after its rebuild is.
func (r *Reloader) rebuildFailed(rep *Report, old *servedUnit, rebuilds int, src *unitSource, err error) {
	name, now := src.name, time.Now()
	r.failed[name] = failure{sum: src.sum, gen: r.gen, err: err, at: now, files: src.snap.fileNames()}
	rep.Failed = append(rep.Failed, err)
	// As if rebuilt and stopped at once: the next rescan waits out the
	// delay, counted from now, and the one after doubles it.
	old.rebuilds, old.since, old.stopped = rebuilds, now, now
	wait := r.rebuildDelay(rebuilds)
	if rep.RetryIn == 0 || wait < rep.RetryIn {
		rep.RetryIn = wait
	}
	if r.cfg.Events != nil {
		r.cfg.Events.UnitLoadFailed(name)
		r.cfg.Events.UnitCoolingDown(name, true)
	}
	r.log.Error("script unit failed to rebuild after it was stopped; its calls fail until the next rebuild",
		zap.String("unit", name), zap.Int("rebuilds", rebuilds), zap.Duration("next_in", wait), zap.String("error", err.Error()))
}

// addUnit adds u's plugins to reg, all or none. Unlike Build it closes
// nothing: u may be a unit still served.
func addUnit(reg *plugin.Registry, u *Unit) error {
	next := reg.Clone()
	for _, s := range u.specs {
		if err := next.Add(s); err != nil {
			return &UnitError{Unit: u.name, Err: err}
		}
	}
	for _, s := range u.specs {
		_ = reg.Add(s)
	}
	return nil
}

func closeAll(units []*Unit) {
	for _, u := range units {
		u.Close()
	}
}

func specNames(u *Unit) []string {
	names := make([]string, len(u.specs))
	for i, s := range u.specs {
		names[i] = s.Name
	}
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
