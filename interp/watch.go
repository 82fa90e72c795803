package interp

import (
	"context"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"
)

// maxDelay bounds the wait for a rescan after the first change of a burst,
// however busy the files keep.
func maxDelay(debounce time.Duration) time.Duration { return max(time.Second, 2*debounce) }

// Run rescans until ctx ends: after file changes (ReloadConfig.Watch),
// once the files have been quiet for the debounce; at once on Reload and
// when a served unit was stopped (CallFailed). Each rescan publishes what
// changed through ReloadConfig.Publish. Run is meant to run once, on its
// own goroutine, after Load.
func (r *Reloader) Run(ctx context.Context) {
	var events <-chan fsnotify.Event
	var errs <-chan error
	if r.cfg.Watch {
		fw, err := fsnotify.NewWatcher()
		if err != nil {
			r.log.Warn("cannot watch the scripts directory; changes apply on SIGHUP only",
				zap.String("dir", r.cfg.Dir), zap.Error(err))
		} else {
			defer fw.Close()
			events, errs = fw.Events, fw.Errors
			r.mu.Lock()
			r.watcher = &watcher{w: fw, dir: r.cfg.Dir, log: r.log, watched: make(map[string]bool)}
			r.mu.Unlock()
			defer func() {
				r.mu.Lock()
				r.watcher = nil
				r.mu.Unlock()
			}()
			r.log.Debug("watching scripts for changes", zap.String("dir", r.cfg.Dir), zap.Duration("debounce", max(r.cfg.Debounce, 0)))
		}
	}
	retry := time.NewTimer(time.Hour) // a delayed rebuild (Report.RetryIn)
	retry.Stop()
	defer retry.Stop()
	rescan := func(retryFailed bool) {
		rep := r.Rescan(retryFailed)
		if rep.RetryIn > 0 {
			retry.Reset(rep.RetryIn)
		}
		if r.afterRescan != nil {
			r.afterRescan(rep)
		}
	}
	// The first rescan sets the watches; a change between Load and them
	// is not missed.
	rescan(false)

	debounce := max(r.cfg.Debounce, 0)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var pending <-chan time.Time // the timer's channel while a rescan is due
	var first time.Time          // the first change of the burst
	due := func() {
		now := time.Now()
		if pending == nil {
			first = now
		}
		wait := debounce
		if limit := first.Add(maxDelay(debounce)); now.Add(wait).After(limit) {
			wait = max(limit.Sub(now), 0)
		}
		timer.Reset(wait)
		pending = timer.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if ce := r.log.Check(zap.DebugLevel, "script file changed"); ce != nil {
				ce.Write(zap.String("file", ev.Name), zap.String("op", ev.Op.String()))
			}
			due()
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// An overflowed event queue loses changes: rescan.
			r.log.Warn("watching the scripts directory reported an error; rescanning", zap.Error(err))
			due()
		case <-pending:
			pending = nil
			rescan(false)
		case <-r.reload:
			rescan(true)
		case <-r.kick:
			rescan(false)
		case <-retry.C:
			rescan(false)
		}
	}
}

// watcher keeps a watch on the scripts directory and each sub-folder. Each
// scan sets them again before reading: a folder reached through a symlink
// (a ConfigMap's "..data") is a new folder after each swap, and the watch
// of a deleted folder is gone. Its methods do nothing on a nil watcher.
type watcher struct {
	w       *fsnotify.Watcher
	dir     string
	log     *zap.Logger
	watched map[string]bool // folder -> its watch works (false: failed, logged)
}

// add watches path, again.
func (w *watcher) add(path string) {
	if w == nil {
		return
	}
	if err := w.w.Add(path); err != nil {
		if ok, tried := w.watched[path]; ok || !tried {
			w.log.Warn("cannot watch a scripts folder; its changes apply on SIGHUP", zap.String("folder", path), zap.Error(err))
		}
		w.watched[path] = false // not logged again until it works
		return
	}
	w.watched[path] = true
}

// prune drops the watches of the sub-folders no longer there.
func (w *watcher) prune(folders []string) {
	if w == nil {
		return
	}
	keep := map[string]bool{w.dir: true}
	for _, f := range folders {
		keep[f] = true
	}
	for p, ok := range w.watched {
		if !keep[p] {
			if ok {
				_ = w.w.Remove(p) // gone already, most often
			}
			delete(w.watched, p)
		}
	}
}
