package typecheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"path"
	"sort"
	"sync"

	"github.com/go-runner/go-runner/bridge"
)

// importer gives go/types the packages a script can import: compiled ones
// from the shared universe, and those the bridge serves as interpreted
// source (the plugin package, slices, maps, cmp, iter) checked from that
// source, once per process.
type importer struct{}

// filled lists the compiled packages whose scope holds their symbols.
var filled = map[string]bool{}

// sourced caches the packages checked from the bridge's source.
var sourced = struct {
	mu   sync.Mutex
	pkgs map[string]*types.Package
	errs map[string]error
}{pkgs: map[string]*types.Package{}, errs: map[string]error{}}

// canonical is the path a package is known by: the standard library's for
// a package the bridge serves as source.
func canonical(p string) string {
	if std, ok := bridge.PathOfStdSource(p); ok {
		return std
	}
	return p
}

// sourceDir is where SourceFS holds the source of package p, if it does.
func sourceDir(p string) (string, bool) {
	if p == bridge.PluginPath || p == bridge.RefPluginPath {
		return "src/" + p, true
	}
	if sp, ok := bridge.StdSourcePath(p); ok {
		return "src/" + sp, true
	}
	return "", false
}

func (importer) Import(p string) (*types.Package, error) {
	p = canonical(p)
	if dir, ok := sourceDir(p); ok {
		return importSource(p, dir)
	}
	syms := bridge.FullSurface(p)
	if syms == nil {
		return nil, fmt.Errorf("typecheck: package %q cannot be served", p)
	}
	compiled.mu.Lock()
	defer compiled.mu.Unlock()
	pkg := compiled.pkg(p)
	if !filled[p] {
		names := make([]string, 0, len(syms))
		for n := range syms {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if pkg.Scope().Lookup(n) == nil {
				pkg.Scope().Insert(compiled.object(pkg, n, syms[n]))
			}
		}
		if p == "sync" {
			declareOnce(pkg)
		}
		pkg.MarkComplete()
		filled[p] = true
	}
	return pkg, nil
}

// importSource checks the bridge's source of package p, once.
func importSource(p, dir string) (*types.Package, error) {
	sourced.mu.Lock()
	if pkg := sourced.pkgs[p]; pkg != nil {
		sourced.mu.Unlock()
		return pkg, nil
	}
	if err := sourced.errs[p]; err != nil {
		sourced.mu.Unlock()
		return nil, err
	}
	sourced.mu.Unlock()
	// Checked outside the lock: its imports may be sourced too. Two
	// goroutines may both check it; the first one kept wins.
	pkg, err := checkSource(p, dir)
	sourced.mu.Lock()
	defer sourced.mu.Unlock()
	if old := sourced.pkgs[p]; old != nil {
		return old, nil
	}
	if err != nil {
		sourced.errs[p] = err
		return nil, err
	}
	sourced.pkgs[p] = pkg
	return pkg, nil
}

func checkSource(p, dir string) (*types.Package, error) {
	fsys := bridge.SourceFS()
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("typecheck: %s: %w", p, err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		src, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("typecheck: %s: %w", p, err)
		}
		f, err := parser.ParseFile(fset, e.Name(), src, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("typecheck: %s: %w", p, err)
		}
		files = append(files, f)
	}
	conf := types.Config{Importer: importer{}, GoVersion: goVersion}
	pkg, err := conf.Check(p, fset, files, nil)
	if err != nil {
		return nil, fmt.Errorf("typecheck: the bridge's source of %s: %w", p, err)
	}
	return pkg, nil
}

// unitImporter is the importer of one unit's check: the unit's helper
// packages are checked from their parsed files, with the unit's Config and
// Info (so their errors and uses are the unit's), once each; every other
// path goes to importer.
type unitImporter struct {
	conf     *types.Config
	fset     *token.FileSet
	info     *types.Info
	helpers  map[string][]*ast.File
	checked  map[string]*types.Package
	checking map[string]bool
}

func (u *unitImporter) Import(p string) (*types.Package, error) {
	files, ok := u.helpers[p]
	if !ok {
		return importer{}.Import(p)
	}
	if pkg := u.checked[p]; pkg != nil {
		return pkg, nil
	}
	if u.checking[p] {
		return nil, fmt.Errorf("typecheck: import cycle through helper package %q", p)
	}
	if u.checking == nil {
		u.checking = map[string]bool{}
	}
	u.checking[p] = true
	defer delete(u.checking, p)
	// Its errors reach the Config's Error; the package is complete enough
	// to check its importers against even when it has some.
	pkg, _ := u.conf.Check(p, u.fset, files, u.info)
	u.checked[p] = pkg
	return pkg, nil
}
