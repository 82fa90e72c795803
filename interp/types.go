package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"

	"github.com/go-runner/go-runner/interp/typecheck"
)

// typeCheck type-checks the unit's files against exactly what scripts can
// see (package typecheck) and returns the files the interpreter reads:
// rewritten where the script uses Go newer than the interpreter. A symbol
// the sandbox does not serve, a type error or a feature that cannot be
// rewritten fails the load at its file:line:col, before the interpreter
// sees any of it.
func typeCheck(fsys fs.FS, files []string, allow []string) ([]SourceFile, *typecheck.Sites, error) {
	fset := token.NewFileSet()
	parsed := make([]*ast.File, 0, len(files))
	srcs := make(map[string][]byte, len(files))
	for _, name := range files {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrSyntax, err)
		}
		parsed = append(parsed, f)
		srcs[name] = src
	}
	out, err := typecheck.Check(fset, parsed, srcs, allow)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCompile, err)
	}
	rewritten := make([]SourceFile, 0, len(files))
	for _, name := range files {
		rewritten = append(rewritten, SourceFile{Name: name, Data: out.Files[name]})
	}
	return rewritten, out.Sites, nil
}
