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

// parsedUnit is a unit's files, parsed.
type parsedUnit struct {
	fset  *token.FileSet
	files []*ast.File
	srcs  map[string][]byte // by file name
	// skipped are the files the interpreter skips (buildtags.go): not
	// type-checked, served as they are.
	skipped []string
}

// checkSource parses files and refuses what the sandbox forbids: imports
// outside it, go statements (a panic on a script's goroutine cannot be
// recovered and would end the runner) and script types that implement
// context.Context (ctxcheck.go). It reports whether the files declare
// anything at all (a doc.go does not), and lists the imports.
func checkSource(fsys fs.FS, files []string, allow []string) (declares bool, imports []string, pu *parsedUnit, err error) {
	pu = &parsedUnit{fset: token.NewFileSet(), srcs: make(map[string][]byte, len(files))}
	fset := pu.fset
	var errs []error
	cs := newCtxScan()
	for _, name := range files {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return false, nil, nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return false, nil, nil, fmt.Errorf("%w: %w", ErrSyntax, err)
		}
		pu.srcs[name] = src
		if interpreterSkips(name, f, strings.Contains(name, "/")) {
			pu.skipped = append(pu.skipped, name)
		} else {
			pu.files = append(pu.files, f)
		}
		declares = declares || hasNonImport(f)
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			imports = append(imports, p)
			pos := fset.Position(spec.Path.Pos()).String()
			switch bridge.ImportAccess(p, allow) {
			case bridge.Refused:
				errs = append(errs, &posError{pos: pos, kind: ErrImportNotAllowed,
					msg: fmt.Sprintf("import %q is not allowed in plugins (allow it with sandbox.allow in config.yaml)", p)})
			case bridge.Unavailable:
				errs = append(errs, &posError{pos: pos, kind: ErrImportUnavailable,
					msg: fmt.Sprintf("import %q is not available to plugins (they can import the SDK, golang.org/x/time/rate and the standard library)", p)})
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

// hasNonImport reports whether f has a declaration besides its imports.
func hasNonImport(f *ast.File) bool {
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); !ok || g.Tok != token.IMPORT {
			return true
		}
	}
	return false
}
