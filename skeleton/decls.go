package skeleton

import "go/ast"

// declNames adds the top-level names d declares to into (methods excluded).
func declNames(d ast.Decl, into map[string]bool) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			into[d.Name.Name] = true
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				into[s.Name.Name] = true
			case *ast.ValueSpec:
				for _, id := range s.Names {
					into[id.Name] = true
				}
			}
		}
	}
}
