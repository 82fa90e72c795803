package typecheck

import (
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-runner/go-runner/bridge"
)

// goVersion is the language the checker accepts: what the toolchain that
// built the runner accepts. Features the interpreter lacks are rewritten
// or refused (rewrite.go).
const goVersion = "go1.26"

// maxErrors bounds the errors one check reports.
const maxErrors = 10

// Error is a refusal at a position of the unit's source, in the compiler's
// format "file:line:col: message".
type Error struct {
	Pos  token.Position
	Msg  string
	Kind error // ErrType, ErrUnavailable or ErrUnsupported
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

func (e *Error) Unwrap() error { return e.Kind }

// Result is what Check makes of a unit that passes.
type Result struct {
	// Files are the files' bytes rewritten for the interpreter, by file
	// name as parsed.
	Files map[string][]byte
	// Sites are the unit's panic sites, to place its panics.
	Sites *Sites
}

// Check type-checks the files of one unit (one package) against what a
// script can see given sandbox.allow, and returns each file's source
// rewritten for the interpreter, or every refusal, joined. helpers are the
// parsed files of the helper packages the unit imports, by import path:
// they are checked, rewritten and returned the same way. srcs holds the
// bytes of all those files, by the names the files were parsed with.
func Check(fset *token.FileSet, files []*ast.File, helpers map[string][]*ast.File, srcs map[string][]byte, allow []string) (*Result, error) {
	var errs []error
	var typeErrs []types.Error
	add := func(e *Error) {
		if len(errs) < maxErrors {
			errs = append(errs, e)
		}
	}
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Uses:       map[*ast.Ident]types.Object{},
		Defs:       map[*ast.Ident]types.Object{},
		Implicits:  map[ast.Node]types.Object{},
		Instances:  map[*ast.Ident]types.Instance{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	conf := &types.Config{
		GoVersion: goVersion,
		Error: func(err error) {
			var te types.Error
			if errors.As(err, &te) && !te.Soft {
				typeErrs = append(typeErrs, te)
			}
		},
	}
	conf.Importer = &unitImporter{conf: conf, fset: fset, info: info, helpers: helpers, checked: map[string]*types.Package{}}
	pkgName := "scripts"
	if len(files) > 0 {
		pkgName = files[0].Name.Name
	}
	// Errors are in errs. The passes below run on what was typed, so that
	// one run reports everything.
	_, _ = conf.Check(pkgName, fset, files, info)
	pathOf := make(map[*ast.File]string, len(files))
	for _, f := range files {
		pathOf[f] = pkgName
	}
	for _, p := range slices.Sorted(maps.Keys(helpers)) {
		for _, f := range helpers[p] {
			pathOf[f] = p
			files = append(files[:len(files):len(files)], f)
		}
	}
	imported := importedAt(files, info)
	for _, te := range typeErrs {
		add(&Error{Pos: fset.Position(te.Pos), Msg: explain(te.Msg, imported[te.Pos]), Kind: ErrType})
	}
	surface := surfaceFor(allow)
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			pn, ok := info.Uses[id].(*types.PkgName)
			if !ok {
				return true
			}
			p := canonical(pn.Imported().Path())
			if _, src := sourceDir(p); src || helpers[p] != nil {
				return true
			}
			if info.Uses[sel.Sel] == nil {
				return true // undefined: reported by the checker
			}
			if p == "sync" && rewrittenSync[sel.Sel.Name] {
				return true
			}
			if _, ok := surface[p][sel.Sel.Name]; !ok {
				add(&Error{Pos: fset.Position(sel.Pos()), Kind: ErrUnavailable,
					Msg: fmt.Sprintf("%s.%s is not available to plugins (the sandbox serves %s without it; sandbox.allow in config.yaml serves a package whole)", id.Name, sel.Sel.Name, p)})
			}
			return true
		})
	}
	out := make(map[string][]byte, len(files))
	for _, f := range files {
		name := fset.File(f.Pos()).Name()
		src, es := rewrite(fset, f, srcs[name], info, pathOf[f])
		for _, e := range es {
			add(e)
		}
		out[name] = src
	}
	if len(errs) > 0 {
		importedFrom(fset, files, pathOf, pkgName, errs)
		sort.SliceStable(errs, func(i, j int) bool {
			a, b := errs[i].(*Error).Pos, errs[j].(*Error).Pos
			if a.Filename != b.Filename {
				return a.Filename < b.Filename
			}
			return a.Offset < b.Offset
		})
		return nil, errors.Join(errs...)
	}
	return &Result{Files: out, Sites: sites(fset, files, info)}, nil
}

// surfaces caches bridge.Surface by sandbox.allow.
var surfaces sync.Map // string -> map[string]map[string]bridge.Symbol

func surfaceFor(allow []string) map[string]map[string]bridge.Symbol {
	k := strings.Join(allow, "\x00")
	if s, ok := surfaces.Load(k); ok {
		return s.(map[string]map[string]bridge.Symbol)
	}
	s, _ := surfaces.LoadOrStore(k, bridge.Surface(allow))
	return s.(map[string]map[string]bridge.Symbol)
}

// explain completes go/types' message about a symbol missing from a
// package the script imports from path.
func explain(msg, path string) string {
	if _, ok := strings.CutPrefix(msg, "undefined: "); !ok || path == "" {
		return msg
	}
	if first, _, _ := strings.Cut(path, "/"); !strings.Contains(first, ".") {
		return msg + " (not available to plugins: the interpreter serves Go 1.22's standard library, see \"Go in scripts\" in the README)"
	}
	return msg + " (not available to plugins: the runner serves " + path + " without it)"
}

// importedAt maps the position of each selector's name to the import path
// of the package it selects from, when it selects from one.
func importedAt(files []*ast.File, info *types.Info) map[token.Pos]string {
	out := map[token.Pos]string{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok {
					if pn, ok := info.Uses[id].(*types.PkgName); ok {
						out[sel.Sel.Pos()] = canonical(pn.Imported().Path())
					}
				}
			}
			return true
		})
	}
	return out
}

// importedFrom ends the message of each error inside a helper package with
// where it is imported, through the helpers that import it, back to the
// unit's file: "(imported at lib/ver/ver.go:3:8, a.go:10:2)", each the
// first import of the package.
func importedFrom(fset *token.FileSet, files []*ast.File, pathOf map[*ast.File]string, unit string, errs []error) {
	type site struct{ pos, by string }
	helperOf := map[string]string{} // file name -> its helper's import path
	at := map[string]site{}         // helper import path -> its first import
	for _, f := range files {
		if p := pathOf[f]; p != unit {
			helperOf[fset.File(f.Pos()).Name()] = p
		}
		for _, spec := range f.Imports {
			ip, _ := strconv.Unquote(spec.Path.Value)
			if _, seen := at[ip]; !seen {
				at[ip] = site{pos: fset.Position(spec.Path.Pos()).String(), by: pathOf[f]}
			}
		}
	}
	for _, err := range errs {
		e := err.(*Error)
		var chain []string
		p, inHelper := helperOf[e.Pos.Filename]
		for inHelper && len(chain) <= len(at) { // bounded: an import cycle is an error of its own
			s, found := at[p]
			if !found {
				break
			}
			chain = append(chain, s.pos)
			p, inHelper = s.by, s.by != unit
		}
		if len(chain) > 0 {
			e.Msg += " (imported at " + strings.Join(chain, ", ") + ")"
		}
	}
}
