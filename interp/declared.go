package interp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Filters says which filter methods a plugin's type declares itself.
type Filters struct {
	// Request: RequestFilter, or Filter (the older name).
	Request bool
	// Response: ResponseFilter.
	Response bool
}

// DeclaredFilters reads the unit at path (a .go file or a folder) and
// finds the type whose Name method returns plugin as a string literal. It
// reports the filter methods that type declares itself: a filter it only
// gets from an embedded type, such as plugin.DefaultPlugin's no-ops, is
// not declared. ok is false when no such type is found (a name that is
// computed, say); a file that does not parse is skipped.
func DeclaredFilters(path, plugin string) (f Filters, ok bool, err error) {
	dir, name := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	fsys := os.DirFS(dir)
	files, err := unitFiles(fsys, name)
	if err != nil {
		return Filters{}, false, &UnitError{Unit: name, Err: err}
	}
	fset := token.NewFileSet()
	methods := map[string]map[string]bool{} // receiver type -> methods
	var named []string                      // types whose Name returns plugin
	for _, file := range files {
		src, err := fs.ReadFile(fsys, file)
		if err != nil {
			return Filters{}, false, &UnitError{Unit: name, Err: err}
		}
		af, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range af.Decls {
			fd, isFunc := d.(*ast.FuncDecl)
			if !isFunc || fd.Recv == nil || len(fd.Recv.List) != 1 {
				continue
			}
			recv := receiverType(fd.Recv.List[0].Type)
			if recv == "" {
				continue
			}
			if methods[recv] == nil {
				methods[recv] = map[string]bool{}
			}
			methods[recv][fd.Name.Name] = true
			if fd.Name.Name == "Name" && returnsLiteral(fd, plugin) {
				named = append(named, recv)
			}
		}
	}
	if len(named) != 1 {
		return Filters{}, false, nil
	}
	m := methods[named[0]]
	return Filters{Request: m["RequestFilter"] || m["Filter"], Response: m["ResponseFilter"]}, true, nil
}

// receiverType is T for a receiver of type T or *T (generic types too).
func receiverType(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return receiverType(t.X)
	case *ast.IndexListExpr:
		return receiverType(t.X)
	}
	return ""
}

// returnsLiteral reports whether fd's body is `return "want"`.
func returnsLiteral(fd *ast.FuncDecl, want string) bool {
	if fd.Body == nil || len(fd.Body.List) != 1 {
		return false
	}
	r, ok := fd.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(r.Results) != 1 {
		return false
	}
	lit, ok := r.Results[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	s, err := strconv.Unquote(lit.Value)
	return err == nil && s == want
}
