package typecheck

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// Since Go 1.22 each iteration of a loop has its own copy of the variables
// the loop declares; the interpreter shares one across iterations, which a
// closure or a pointer made in the body would see. Where the body captures
// one (a func literal uses it, or & takes its address), the rewrite copies
// it at the top of the body (`v := v;`, on the same line). A three-clause
// loop whose body also assigns to the variable cannot be copied so (the
// assignment must reach the next iteration) and is refused.

// loopVars handles the variables of a loop with body declared by defs.
func (r *rewriter) loopVars(defs []ast.Expr, body *ast.BlockStmt, threeClause bool) {
	var copies []string
	for _, e := range defs {
		id, ok := e.(*ast.Ident)
		if !ok || id.Name == "_" {
			continue
		}
		obj, ok := r.info.Defs[id].(*types.Var)
		if !ok {
			continue
		}
		captured, assigned := r.uses(body, obj)
		if !captured {
			continue
		}
		if threeClause && assigned {
			r.refuse(id.Pos(), "the loop variable %s is captured (by a func literal or &) and assigned in the body: Go 1.22 gives each iteration its own %s, the interpreter shares one; capture a copy (v := %s) instead", id.Name, id.Name, id.Name)
			continue
		}
		copies = append(copies, id.Name+" := "+id.Name+"; ")
	}
	if len(copies) > 0 {
		r.replace(body.Lbrace+1, body.Lbrace+1, " "+strings.Join(copies, ""))
	}
}

// uses reports whether body captures v (a func literal refers to it, or
// its address is taken) and whether it assigns to it.
func (r *rewriter) uses(body *ast.BlockStmt, v *types.Var) (captured, assigned bool) {
	is := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && r.info.Uses[id] == v
	}
	var walk func(n ast.Node, inFunc bool)
	walk = func(n ast.Node, inFunc bool) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				walk(n.Body, true)
				return false
			case *ast.Ident:
				if inFunc && r.info.Uses[n] == v {
					captured = true
				}
			case *ast.UnaryExpr:
				if n.Op == token.AND && is(n.X) {
					captured = true
				}
			case *ast.AssignStmt:
				for _, l := range n.Lhs {
					if is(l) && n.Tok != token.DEFINE {
						assigned = true
					}
				}
			case *ast.IncDecStmt:
				if is(n.X) {
					assigned = true
				}
			}
			return true
		})
	}
	walk(body, false)
	return captured, assigned
}
