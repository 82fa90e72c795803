package typecheck

import (
	"go/ast"
	"go/token"
	"go/types"
)

// A range over a function (Go 1.23) becomes a call of it with the body as
// the yield callback, on the same lines:
//
//	for k, v := range seq {          (seq)(func(k K, v V) bool {
//		if skip(k) { continue }   ->      if skip(k) { return true }
//		if done(v) { break }              if done(v) { return false }
//	}                                  ; return true })
//
// A body that returns from the enclosing function, defers, uses goto or a
// label, or a loop that assigns existing variables (=) is refused with
// the spelling that works.

// rangeFunc rewrites rs, a range over a function of signature sig.
func (r *rewriter) rangeFunc(rs *ast.RangeStmt, sig *types.Signature) {
	const how = "; call the iterator with a callback, seq(func(v V) bool { ...; return true })"
	if rs.Tok == token.ASSIGN {
		r.refuse(rs.For, "range over a function with = is not supported in plugins"+how)
		return
	}
	yield, ok := sig.Params().At(0).Type().Underlying().(*types.Signature)
	if !ok || sig.Params().Len() != 1 {
		return
	}
	if why := r.funcBody(rs.Body); why != "" {
		r.refuse(rs.For, "range over a function whose body %s is not supported in plugins%s", why, how)
		return
	}
	names := []ast.Expr{rs.Key, rs.Value}
	params := ""
	for i := 0; i < yield.Params().Len(); i++ {
		t, ok := r.spell(yield.Params().At(i).Type())
		if !ok {
			r.refuse(rs.For, "this range over a function cannot be rewritten for the interpreter"+how)
			return
		}
		name := "_"
		if i < len(names) {
			if id, ok := names[i].(*ast.Ident); ok {
				name = id.Name
			}
		}
		if i > 0 {
			params += ", "
		}
		params += name + " " + t
	}
	r.replace(rs.For, rs.X.Pos(), "(")
	r.replace(rs.X.End(), rs.Body.Lbrace+1, ")(func("+params+") bool {")
	r.replace(rs.Body.Rbrace, rs.Body.Rbrace+1, "; return true })")
	r.branches(rs.Body)
}

// funcBody says why body cannot become a callback, "" when it can.
func (r *rewriter) funcBody(body *ast.BlockStmt) string {
	why := ""
	ast.Inspect(body, func(n ast.Node) bool {
		if why != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			why = "returns from the function"
		case *ast.DeferStmt:
			why = "defers a call"
		case *ast.LabeledStmt:
			why = "has a label"
		case *ast.BranchStmt:
			if n.Label != nil || n.Tok == token.GOTO {
				why = "uses a labeled " + n.Tok.String()
			}
		}
		return true
	})
	return why
}

// branches turns the body's own continue into return true and break into
// return false (not those of loops, switches and selects inside it).
func (r *rewriter) branches(body *ast.BlockStmt) {
	var walk func(n ast.Node, breakOwn, continueOwn bool)
	walk = func(n ast.Node, breakOwn, continueOwn bool) {
		ast.Inspect(n, func(c ast.Node) bool {
			if c == n {
				return true
			}
			switch c := c.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ForStmt, *ast.RangeStmt:
				walk(c, false, false)
				return false
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				walk(c, false, continueOwn)
				return false
			case *ast.BranchStmt:
				switch {
				case c.Tok == token.CONTINUE && continueOwn:
					r.replace(c.Pos(), c.End(), "return true")
				case c.Tok == token.BREAK && breakOwn:
					r.replace(c.Pos(), c.End(), "return false")
				}
			}
			return true
		})
	}
	walk(body, true, true)
}
