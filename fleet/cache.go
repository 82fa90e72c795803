package fleet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// The cache folder's own names; each starts with "." so that the scripts
// directory's scan skips it.
const (
	dataLink  = "..data"
	revPrefix = "..rev-"
	tmpPrefix = "..tmp-"
)

// Cache is the local copy of the last good set, in the layout the runner
// serves (see the package doc).
type Cache struct {
	Dir string
}

// Read returns the set the cache holds and the etcd revision it reflects;
// an empty cache is an empty set at revision 0.
func (c Cache) Read() (Set, int64, error) {
	target, err := os.Readlink(filepath.Join(c.Dir, dataLink))
	if errors.Is(err, fs.ErrNotExist) {
		return Set{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("fleet: cache: %w", err)
	}
	rev, err := strconv.ParseInt(strings.TrimPrefix(target, revPrefix), 10, 64)
	if err != nil || !strings.HasPrefix(target, revPrefix) {
		return nil, 0, fmt.Errorf("fleet: cache: %s points to %q, not a revision folder", dataLink, target)
	}
	root := filepath.Join(c.Dir, target)
	set := Set{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		unit, file, ok := splitKey("", rel)
		if !ok {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if set[unit] == nil {
			set[unit] = Unit{}
		}
		set[unit][file] = b
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("fleet: cache: %w", err)
	}
	return set, rev, nil
}

// Write makes set at revision rev the cache's content: it writes a new
// revision folder, drops the links of units no longer in set, swaps
// "..data" to the new folder with one rename, links the new units, and
// removes revision folders older than the previous one (a scan may still
// be reading that).
func (c Cache) Write(set Set, rev int64) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("fleet: cache: %w", err)
	}
	name := fmt.Sprintf("%s%020d", revPrefix, rev)
	tmp, err := os.MkdirTemp(c.Dir, tmpPrefix)
	if err != nil {
		return fmt.Errorf("fleet: cache: %w", err)
	}
	defer os.RemoveAll(tmp) // gone already once renamed
	for _, u := range set {
		if err := u.WriteFiles(tmp); err != nil {
			return fmt.Errorf("fleet: cache: %w", err)
		}
	}
	final := filepath.Join(c.Dir, name)
	if err := os.RemoveAll(final); err != nil { // the same revision written again (a resync)
		return fmt.Errorf("fleet: cache: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("fleet: cache: %w", err)
	}
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		return fmt.Errorf("fleet: cache: %w", err)
	}
	linked := map[string]bool{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		if _, keep := set[e.Name()]; !keep {
			if err := os.Remove(filepath.Join(c.Dir, e.Name())); err != nil {
				return fmt.Errorf("fleet: cache: %w", err)
			}
			continue
		}
		linked[e.Name()] = true
	}
	next := filepath.Join(c.Dir, tmpPrefix+"link")
	_ = os.Remove(next)
	if err := os.Symlink(name, next); err != nil {
		return fmt.Errorf("fleet: cache: %w", err)
	}
	if err := os.Rename(next, filepath.Join(c.Dir, dataLink)); err != nil {
		return fmt.Errorf("fleet: cache: %w", err)
	}
	for unit := range set {
		if !linked[unit] {
			if err := os.Symlink(dataLink+"/"+unit, filepath.Join(c.Dir, unit)); err != nil {
				return fmt.Errorf("fleet: cache: %w", err)
			}
		}
	}
	return c.prune(name, entries)
}

// prune removes the revision folders but the current one and the one
// before it.
func (c Cache) prune(current string, entries []fs.DirEntry) error {
	var revs []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, revPrefix) && n != current && e.IsDir() {
			revs = append(revs, n)
		}
	}
	sort.Strings(revs) // zero-padded: oldest first
	for i := 0; i+1 < len(revs); i++ {
		if err := os.RemoveAll(filepath.Join(c.Dir, revs[i])); err != nil {
			return fmt.Errorf("fleet: cache: %w", err)
		}
	}
	return nil
}
