package interp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-runner/go-runner/interp/typecheck"
)

// typeCheck type-checks the unit's files against exactly what scripts can
// see (package typecheck) and returns the files the interpreter reads:
// rewritten where the script uses Go newer than the interpreter, and where
// its functions can panic. A symbol the sandbox does not serve, a type
// error or a feature that cannot be rewritten fails the load at its
// file:line:col, before the interpreter sees any of it.
func typeCheck(pu *parsedUnit, allow []string) ([]SourceFile, *typecheck.Sites, error) {
	if len(pu.files) == 0 {
		return sourceFiles(pu), nil, nil
	}
	out, err := typecheck.Check(pu.fset, pu.files, pu.helpers, pu.srcs, allow)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCompile, err)
	}
	rewritten := make([]SourceFile, 0, len(pu.srcs))
	for name, src := range out.Files {
		rewritten = append(rewritten, SourceFile{Name: name, Data: src})
	}
	slices.SortFunc(rewritten, func(a, b SourceFile) int { return strings.Compare(a.Name, b.Name) })
	for _, name := range pu.skipped {
		rewritten = append(rewritten, SourceFile{Name: name, Data: pu.srcs[name]})
	}
	return rewritten, out.Sites, nil
}

// sourceFiles are the unit's files as read.
func sourceFiles(pu *parsedUnit) []SourceFile {
	out := make([]SourceFile, 0, len(pu.srcs))
	for name, src := range pu.srcs {
		out = append(out, SourceFile{Name: name, Data: src})
	}
	return out
}
