package interp

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/go-runner/go-runner/bridge"
)

// skipName reports whether a directory entry is ignored, as go build and
// yaegi ignore it.
func skipName(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata"
}

// isSource reports whether a file name is a Go source file yaegi loads.
func isSource(name string) bool {
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && !skipName(name)
}

// unitFiles lists the files of unit name in fsys, as paths relative to the
// unit's directory ("say.go", or "folder/a.go"...).
func unitFiles(fsys fs.FS, name string) ([]string, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotUnit, err)
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() || !isSource(name) {
			return nil, fmt.Errorf("%w: want a .go file (not *_test.go) or a folder", ErrNotUnit)
		}
		return []string{name}, nil
	}
	entries, err := fs.ReadDir(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotUnit, err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && isSource(e.Name()) {
			files = append(files, path.Join(name, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrNotUnit, errNoGoFiles)
	}
	return files, nil
}

// parsedUnit is a unit's files, and the helper files they import, parsed.
type parsedUnit struct {
	fset  *token.FileSet
	files []*ast.File
	// helpers are the parsed helper files, by import path
	// ("scripts/lib/<pkg>").
	helpers map[string][]*ast.File
	srcs    map[string][]byte // by file name
	// skipped are the files the interpreter skips (buildtags.go): not
	// type-checked, served as they are.
	skipped []string
}

// checkSource parses files, then the helper files libs they import, and
// refuses what the sandbox forbids: imports outside it, imports of helper
// packages that are not there, go statements (a panic on a script's
// goroutine cannot be recovered and would end the runner) and script types
// that implement context.Context (ctxcheck.go). It reports whether files
// declare anything at all (a doc.go does not), and lists the imports.
func checkSource(fsys fs.FS, files, libs []string, allow []string) (declares bool, imports []string, pu *parsedUnit, err error) {
	pu = &parsedUnit{fset: token.NewFileSet(), srcs: make(map[string][]byte, len(files)+len(libs)), helpers: map[string][]*ast.File{}}
	fset := pu.fset
	var errs []error
	cs := newCtxScan()
	for i, name := range append(files[:len(files):len(files)], libs...) {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return false, nil, nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return false, nil, nil, fmt.Errorf("%w: %w", ErrSyntax, err)
		}
		pu.srcs[name] = src
		switch {
		case interpreterSkips(name, f, strings.Contains(name, "/")):
			pu.skipped = append(pu.skipped, name)
		case i >= len(files):
			imp := LibImport + strings.TrimPrefix(path.Dir(name), LibDir)
			pu.helpers[imp] = append(pu.helpers[imp], f)
		default:
			pu.files = append(pu.files, f)
		}
		declares = declares || (i < len(files) && hasNonImport(f))
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			pos := fset.Position(spec.Path.Pos()).String()
			if pkg, ok := libPackage(p); ok {
				if !hasSource(fsys, pkg) {
					errs = append(errs, &posError{pos: pos, kind: ErrNoHelper,
						msg: fmt.Sprintf("import %q: no helper package: want its .go files in %s/ of the scripts directory", p, pkg)})
				}
				continue
			}
			imports = append(imports, p)
			switch bridge.ImportAccess(p, allow) {
			case bridge.Refused:
				errs = append(errs, &posError{pos: pos, kind: ErrImportNotAllowed,
					msg: fmt.Sprintf("import %q is not allowed in plugins (allow it with sandbox.allow in config.yaml)", p)})
			case bridge.Unavailable:
				errs = append(errs, &posError{pos: pos, kind: ErrImportUnavailable,
					msg: fmt.Sprintf("import %q is not available to plugins (they can import the SDK, golang.org/x/time/rate, the standard library and the helper packages %s/<pkg>)", p, LibImport)})
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GoStmt); ok {
				errs = append(errs, &posError{pos: fset.Position(g.Go).String(), kind: ErrGoStatement,
					msg: "go statements are not allowed in plugins (a panic on that goroutine would end the runner)"})
			}
			return true
		})
		cs.add(fset, f)
	}
	errs = append(errs, cs.errors()...)
	return declares, imports, pu, errors.Join(errs...)
}

// hasSource reports whether folder dir of fsys holds a Go source file.
func hasSource(fsys fs.FS, dir string) bool {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.IsDir() && isSource(e.Name()) {
			return true
		}
	}
	return false
}

// hasNonImport reports whether f has a declaration besides its imports.
func hasNonImport(f *ast.File) bool {
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); !ok || g.Tok != token.IMPORT {
			return true
		}
	}
	return false
}
