package typecheck

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
)

// The interpreter reports a panic at the first statement of the function
// that panicked, not at the statement that did. Sites lists, for each
// function of the unit, the expressions that can panic, by kind, so that a
// panic's position can be narrowed to the one expression of its kind in
// that function (Find).

// SiteKind is a kind of run-time panic.
type SiteKind int

// Kinds of panics a site can raise.
const (
	SiteIndex  SiteKind = iota // index out of range (slice, array, string)
	SiteSlice                  // slice bounds out of range
	SiteNil                    // nil pointer dereference
	SiteNilMap                 // assignment to entry in nil map
	SiteDivide                 // integer divide by zero
	SitePanic                  // a call of panic
	siteKinds
)

// Sites are the panic sites of a unit's functions.
type Sites struct {
	funcs []funcSites
}

type funcSites struct {
	file       string
	start, end token.Position // the body
	sites      [siteKinds][]site
}

type site struct {
	pos token.Position
	lit string // SitePanic: the argument when it is a string literal
}

// Find returns where a panic of kind with value happened in the innermost
// function whose body holds file:line, when that function has one site of
// the kind (or one panic call whose literal is value).
func (s *Sites) Find(file string, line int, kind SiteKind, value string) (token.Position, bool) {
	if s == nil {
		return token.Position{}, false
	}
	var best *funcSites
	for i := range s.funcs {
		f := &s.funcs[i]
		if f.file != file || line < f.start.Line || line > f.end.Line {
			continue
		}
		if best == nil || f.start.Offset >= best.start.Offset {
			best = f
		}
	}
	if best == nil {
		return token.Position{}, false
	}
	cands := best.sites[kind]
	if kind == SitePanic {
		var lit []site
		for _, c := range cands {
			if c.lit != "" && c.lit == value {
				lit = append(lit, c)
			}
		}
		if len(lit) == 1 {
			return lit[0].pos, true
		}
	}
	if len(cands) == 1 {
		return cands[0].pos, true
	}
	return token.Position{}, false
}

// sites collects the panic sites of the files' functions.
func sites(fset *token.FileSet, files []*ast.File, info *types.Info) *Sites {
	s := &Sites{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			switch n := n.(type) {
			case *ast.FuncDecl:
				body = n.Body
			case *ast.FuncLit:
				body = n.Body
			}
			if body != nil {
				s.funcs = append(s.funcs, funcSites{
					file:  fset.Position(body.Pos()).Filename,
					start: fset.Position(body.Pos()), end: fset.Position(body.End()),
					sites: collect(fset, body, info),
				})
			}
			return true
		})
	}
	return s
}

// collect lists the sites of body, not those of the func literals in it.
func collect(fset *token.FileSet, body *ast.BlockStmt, info *types.Info) (out [siteKinds][]site) {
	add := func(k SiteKind, p token.Pos, lit string) {
		out[k] = append(out[k], site{pos: fset.Position(p), lit: lit})
	}
	under := func(e ast.Expr) types.Type {
		if t := info.TypeOf(e); t != nil {
			return t.Underlying()
		}
		return nil
	}
	mapIndex := func(e ast.Expr) bool {
		ix, ok := ast.Unparen(e).(*ast.IndexExpr)
		if !ok {
			return false
		}
		_, isMap := under(ix.X).(*types.Map)
		return isMap
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.IndexExpr:
			switch t := under(n.X).(type) {
			case *types.Slice, *types.Array, *types.Basic:
				add(SiteIndex, n.Pos(), "")
			case *types.Pointer:
				add(SiteIndex, n.Pos(), "")
				add(SiteNil, n.Pos(), "")
			case *types.Signature, *types.Map, nil:
				_ = t
			}
		case *ast.SliceExpr:
			add(SiteSlice, n.Pos(), "")
		case *ast.StarExpr:
			if _, ok := under(n.X).(*types.Pointer); ok {
				add(SiteNil, n.Pos(), "")
			}
		case *ast.SelectorExpr:
			if sel, ok := info.Selections[n]; ok && sel.Kind() == types.FieldVal {
				if _, ok := under(n.X).(*types.Pointer); ok || sel.Indirect() {
					add(SiteNil, n.Pos(), "")
				}
			}
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if mapIndex(l) && n.Tok != token.DEFINE {
					add(SiteNilMap, l.Pos(), "")
				}
			}
			if n.Tok == token.QUO_ASSIGN || n.Tok == token.REM_ASSIGN {
				add(SiteDivide, n.Pos(), "")
			}
		case *ast.IncDecStmt:
			if mapIndex(n.X) {
				add(SiteNilMap, n.X.Pos(), "")
			}
		case *ast.BinaryExpr:
			if (n.Op == token.QUO || n.Op == token.REM) && info.Types[n.Y].Value == nil {
				if b, ok := under(n).(*types.Basic); ok && b.Info()&types.IsInteger != 0 {
					add(SiteDivide, n.Pos(), "")
				}
			}
		case *ast.CallExpr:
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "panic" {
					lit := ""
					if len(n.Args) == 1 {
						if bl, ok := ast.Unparen(n.Args[0]).(*ast.BasicLit); ok && bl.Kind == token.STRING {
							lit, _ = strconv.Unquote(bl.Value)
						}
					}
					add(SitePanic, n.Pos(), lit)
				}
			}
		}
		return true
	})
	return out
}
