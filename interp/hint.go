package interp

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
)

// undefinedRe finds the names a compile error says are undefined.
var undefinedRe = regexp.MustCompile(`undefined: (\w+)`)

// hintShared adds to err, a unit's failed load, where an undefined name is
// declared when another top-level unit of the scan declares it: units do
// not see each other, and shared code goes in a helper package. Other
// errors are returned as they are.
func hintShared(err error, unit string, snaps []*Snapshot) error {
	var ue *UnitError
	if err == nil || !errors.As(err, &ue) {
		return err
	}
	m := undefinedRe.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	for _, snap := range snaps {
		if snap.Name == unit || len(snap.Files) == 0 || snap.Files[0].Name != snap.Name {
			continue // a folder unit: its names are its own package's
		}
		if declares(snap.Files[0], m[1]) {
			ue.Err = &hintError{err: ue.Err, hint: fmt.Sprintf("%s is declared in %s, another unit; %s", m[1], snap.Name, shareHint)}
			return err
		}
	}
	return err
}

// declares reports whether f declares name at package level.
func declares(f SourceFile, name string) bool {
	pf, err := parser.ParseFile(token.NewFileSet(), f.Name, f.Data, parser.SkipObjectResolution)
	if err != nil {
		return false
	}
	for _, d := range pf.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == name {
				return true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.Name == name {
						return true
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.Name == name {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

// hintError is an error with a hint appended in parentheses.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() + " (" + e.hint + ")" }

func (e *hintError) Unwrap() error { return e.err }
