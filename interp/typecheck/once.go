package typecheck

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// sync.OnceValue and sync.OnceValues (Go 1.21) are generic, so the
// interpreter's sync lacks them. The checker knows them (declared here, in
// sync's scope) and the rewrite turns each call into a function literal
// built on sync.Once:
//
//	sync.OnceValue(f)  ->  func(f_ func() T) func() T { var o_ sync.Once; var v_ T; return func() T { o_.Do(func() { v_ = f_() }); return v_ } }(f)
//
// As in Go, f runs once; unlike Go, a panic of f is not repeated by later
// calls (they return zero values).

// rewrittenSync are the names of sync the rewrite provides.
var rewrittenSync = map[string]bool{"OnceValue": true, "OnceValues": true}

// declareOnce adds OnceValue and OnceValues to the sync package p.
func declareOnce(p *types.Package) {
	any := types.Universe.Lookup("any").Type()
	param := func(name string) *types.TypeParam {
		return types.NewTypeParam(types.NewTypeName(token.NoPos, p, name, nil), any)
	}
	tuple := func(ts ...types.Type) *types.Tuple {
		vars := make([]*types.Var, len(ts))
		for i, t := range ts {
			vars[i] = types.NewParam(token.NoPos, p, "", t)
		}
		return types.NewTuple(vars...)
	}
	fn := func(results ...types.Type) *types.Signature {
		return types.NewSignatureType(nil, nil, nil, nil, tuple(results...), false)
	}
	t := param("T")
	p.Scope().Insert(types.NewFunc(token.NoPos, p, "OnceValue",
		types.NewSignatureType(nil, nil, []*types.TypeParam{t}, tuple(fn(t)), tuple(fn(t)), false)))
	t1, t2 := param("T1"), param("T2")
	p.Scope().Insert(types.NewFunc(token.NoPos, p, "OnceValues",
		types.NewSignatureType(nil, nil, []*types.TypeParam{t1, t2}, tuple(fn(t1, t2)), tuple(fn(t1, t2)), false)))
}

// onceCall rewrites a call of sync.OnceValue or sync.OnceValues. It reports
// whether it did.
func (r *rewriter) onceCall(call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !rewrittenSync[sel.Sel.Name] {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	if pn, ok := r.info.Uses[pkg].(*types.PkgName); !ok || pn.Imported().Path() != "sync" {
		return false
	}
	sig, ok := r.info.TypeOf(call).(*types.Signature)
	if !ok {
		return false
	}
	var ts []string
	for i := 0; i < sig.Results().Len(); i++ {
		t, ok := r.spell(sig.Results().At(i).Type())
		if !ok {
			r.refuse(call.Pos(), "sync.%s of this type cannot be rewritten for the interpreter: use a sync.Once", sel.Sel.Name)
			return true
		}
		ts = append(ts, t)
	}
	res := strings.Join(ts, ", ")
	var vars, assign []string
	for i, t := range ts {
		v := "v" + string(rune('0'+i)) + "_"
		vars = append(vars, "var "+v+" "+t+"; ")
		assign = append(assign, v)
	}
	if len(ts) > 1 {
		res = "(" + res + ")"
	}
	lit := "func(f_ func() " + res + ") func() " + res + " { var o_ " + pkg.Name + ".Once; " + strings.Join(vars, "") +
		"return func() " + res + " { o_.Do(func() { " + strings.Join(assign, ", ") + " = f_() }); return " + strings.Join(assign, ", ") + " } }("
	r.replace(call.Fun.Pos(), call.Lparen+1, lit)
	return true
}
