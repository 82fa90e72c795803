package typecheck

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"

	"github.com/go-runner/go-runner/bridge"
)

// Go the interpreter (yaegi v0.16.1, Go 1.22's language less a few
// features) cannot run is rewritten in the file's own bytes, never adding
// or removing a line, so that every position the interpreter reports
// stays the script's:
//
//   - `for i := range n` (an integer n) becomes a three-clause loop;
//   - min, max, clear, new(expr), sync.OnceValue and sync.OnceValues
//     become calls of function literals (once.go);
//   - a range over a function becomes a call of it (rangefunc.go);
//   - a loop variable a closure captures is copied per iteration
//     (loopvar.go);
//   - imports of cmp, iter, maps and slices point at the bridge's sources
//     of those packages (the interpreter's own lack most of their API).
//
// What cannot be rewritten is refused at its position with the spelling
// that works (see the package doc).

// edit replaces src[from:to] by text.
type edit struct {
	from, to int
	text     string
}

type rewriter struct {
	fset  *token.FileSet
	file  *ast.File
	info  *types.Info
	tf    *token.File
	edits []edit
	errs  []*Error
	names map[string]bool // identifiers of the file
	n     int             // hidden variables made
	pkg   string          // the unit's package path
}

// rewrite returns src, the bytes of f, rewritten for the interpreter.
func rewrite(fset *token.FileSet, f *ast.File, src []byte, info *types.Info, pkg string) ([]byte, []*Error) {
	r := &rewriter{fset: fset, file: f, info: info, pkg: pkg, tf: fset.File(f.Pos()), names: map[string]bool{}}
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			r.names[id.Name] = true
		}
		return true
	})
	r.imports()
	r.genericValues()
	ast.Inspect(f, r.node)
	if len(r.errs) > 0 {
		sort.SliceStable(r.errs, func(i, j int) bool { return r.errs[i].Pos.Offset < r.errs[j].Pos.Offset })
		return nil, r.errs
	}
	sort.Slice(r.edits, func(i, j int) bool { return r.edits[i].from > r.edits[j].from })
	out := append([]byte(nil), src...)
	for _, e := range r.edits {
		out = append(out[:e.from], append([]byte(e.text), out[e.to:]...)...)
	}
	return out, nil
}

func (r *rewriter) off(p token.Pos) int { return r.tf.Offset(p) }

func (r *rewriter) replace(from, to token.Pos, text string) {
	r.edits = append(r.edits, edit{from: r.off(from), to: r.off(to), text: text})
}

func (r *rewriter) refuse(p token.Pos, format string, args ...interface{}) {
	r.errs = append(r.errs, &Error{Pos: r.fset.Position(p), Msg: fmt.Sprintf(format, args...), Kind: ErrUnsupported})
}

// hidden returns a fresh identifier for a variable the rewrite adds.
func (r *rewriter) hidden(base string) string {
	for {
		r.n++
		name := "_gr" + base + strconv.Itoa(r.n)
		if !r.names[name] {
			r.names[name] = true
			return name
		}
	}
}

// imports points the std packages served as source at the bridge's copy.
// The interpreter knows its own cmp, maps and slices by those names, so
// the file's name for them changes too (same length: columns stay).
func (r *rewriter) imports() {
	renamed := map[*types.PkgName]string{}
	for _, spec := range r.file.Imports {
		p, _ := strconv.Unquote(spec.Path.Value)
		sp, ok := bridge.StdSourcePath(p)
		if !ok {
			continue
		}
		name := p
		if spec.Name != nil {
			name = spec.Name.Name
		}
		alt := name
		if name == "cmp" || name == "maps" || name == "slices" {
			alt = r.sameLength(name)
		}
		if spec.Name == nil {
			r.replace(spec.Path.Pos(), spec.Path.End(), alt+" "+strconv.Quote(sp))
		} else {
			if alt != name {
				r.replace(spec.Name.Pos(), spec.Name.End(), alt)
			}
			r.replace(spec.Path.Pos(), spec.Path.End(), strconv.Quote(sp))
		}
		if alt == name {
			continue
		}
		var pn *types.PkgName
		if spec.Name != nil {
			pn, _ = r.info.Defs[spec.Name].(*types.PkgName)
		} else {
			pn, _ = r.info.Implicits[spec].(*types.PkgName)
		}
		if pn != nil {
			renamed[pn] = alt
		}
	}
	if len(renamed) == 0 {
		return
	}
	for id, obj := range r.info.Uses {
		pn, ok := obj.(*types.PkgName)
		if !ok || r.tf != r.fset.File(id.Pos()) {
			continue
		}
		if alt, ok := renamed[pn]; ok {
			r.replace(id.Pos(), id.End(), alt)
		}
	}
}

// genericValues refuses a generic function used other than by calling it
// (f := cmp.Compare[int]): the interpreter fails on it with "constant
// definition loop".
func (r *rewriter) genericValues() {
	called := map[*ast.Ident]bool{}
	start := map[*ast.Ident]token.Pos{}
	fun := func(e ast.Expr) *ast.Ident {
		e = ast.Unparen(e)
		switch x := e.(type) {
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		}
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			return x.Sel
		}
		return nil
	}
	ast.Inspect(r.file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if id := fun(n.Fun); id != nil {
				called[id] = true
			}
		case *ast.SelectorExpr:
			start[n.Sel] = n.Pos()
		}
		return true
	})
	for id := range r.info.Instances {
		if _, ok := r.info.Uses[id].(*types.Func); !ok || called[id] || r.fset.File(id.Pos()) != r.tf {
			continue
		}
		pos := id.Pos()
		if p, ok := start[id]; ok {
			pos = p
		}
		r.refuse(pos, "a generic function as a value is not supported in plugins: wrap the call in a func literal, func(a, b T) int { return %s(a, b) }", id.Name)
	}
}

// sameLength returns a name as long as name that the file does not use.
func (r *rewriter) sameLength(name string) string {
	for c := byte('0'); c <= '9'; c++ {
		alt := name[:len(name)-1] + string(c)
		if !r.names[alt] {
			r.names[alt] = true
			return alt
		}
	}
	return name
}

func (r *rewriter) node(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.RangeStmt:
		r.rangeStmt(n)
		if _, isFunc := r.typeOf(n.X).(*types.Signature); !isFunc && n.Tok == token.DEFINE {
			r.loopVars([]ast.Expr{n.Key, n.Value}, n.Body, false)
		}
	case *ast.ForStmt:
		if as, ok := n.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			r.loopVars(as.Lhs, n.Body, true)
		}
	case *ast.CallExpr:
		return r.builtin(n)
	case *ast.ValueSpec:
		r.seqVar(n)
	case *ast.TypeSpec:
		if n.Assign.IsValid() && n.TypeParams != nil {
			r.refuse(n.Pos(), "generic type aliases (Go 1.24) are not supported in plugins: declare a defined type (type %s[...] %s) instead", n.Name.Name, "...")
		}
	}
	return true
}

// rangeStmt rewrites a range over an integer and refuses one over a
// function.
func (r *rewriter) rangeStmt(rs *ast.RangeStmt) {
	tv, ok := r.info.Types[rs.X]
	if !ok {
		return
	}
	switch u := tv.Type.Underlying().(type) {
	case *types.Signature:
		r.rangeFunc(rs, u)
	case *types.Basic:
		if u.Info()&types.IsInteger == 0 {
			return
		}
		if rs.Key != nil && rs.Tok == token.ASSIGN {
			if id, ok := rs.Key.(*ast.Ident); !ok || id.Name != "_" {
				r.refuse(rs.For, "range over an integer with = is not supported in plugins: write for %s = 0; %s < n; %s++", r.text(rs.Key), r.text(rs.Key), r.text(rs.Key))
				return
			}
		}
		key := ""
		if id, ok := rs.Key.(*ast.Ident); ok && id.Name != "_" {
			key = id.Name
		}
		if key == "" {
			key = r.hidden("i")
		}
		zero := "0"
		if tv.Value == nil || !isUntyped(tv.Type) {
			t, ok := r.spell(tv.Type)
			if !ok {
				r.refuse(rs.For, "this range over an integer cannot be rewritten for the interpreter: write a three-clause for loop")
				return
			}
			zero = t + "(0)"
		}
		limit := r.hidden("n")
		r.replace(rs.For, rs.X.Pos(), "for "+limit+", "+key+" := ")
		r.replace(rs.X.End(), rs.X.End(), ", "+zero+"; "+key+" < "+limit+"; "+key+"++")
	}
}

// builtin rewrites a call of min, max or clear. It reports whether to look
// inside the call.
func (r *rewriter) builtin(call *ast.CallExpr) bool {
	if r.onceCall(call) {
		return true
	}
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return true
	}
	b, ok := r.info.Uses[id].(*types.Builtin)
	if !ok {
		return true
	}
	switch b.Name() {
	case "min", "max":
		tv := r.info.Types[call]
		if tv.Value != nil {
			lit := constLiteral(tv.Value)
			if !isUntyped(tv.Type) {
				t, ok := r.spell(tv.Type)
				if !ok {
					r.refuse(call.Pos(), "%s of constants of this type cannot be rewritten for the interpreter: write the constant", b.Name())
					return false
				}
				lit = t + "(" + lit + ")"
			} else {
				lit = "(" + lit + ")"
			}
			r.replace(call.Pos(), call.End(), lit)
			return false
		}
		t, ok := r.spell(tv.Type)
		if !ok {
			r.refuse(call.Pos(), "%s cannot be rewritten for the interpreter here: compare the values with an if", b.Name())
			return false
		}
		op := "<"
		if b.Name() == "max" {
			op = ">"
		}
		r.replace(call.Fun.Pos(), call.Lparen+1, "func(x_ "+t+", y_ ..."+t+") "+t+" { for _, v_ := range y_ { if v_ "+op+" x_ || v_ != v_ { x_ = v_ } }; return x_ }(")
	case "new":
		if len(call.Args) != 1 || r.info.Types[call.Args[0]].IsType() {
			return true
		}
		// new(expr), Go 1.26: a pointer to a copy of expr.
		pt, ok := r.info.Types[call].Type.(*types.Pointer)
		if !ok {
			return true
		}
		t, ok := r.spell(pt.Elem())
		if !ok {
			r.refuse(call.Pos(), "new of this value cannot be rewritten for the interpreter here: declare a variable and take its address")
			return false
		}
		r.replace(call.Fun.Pos(), call.Lparen+1, "func(x_ "+t+") *"+t+" { return &x_ }(")
	case "clear":
		if len(call.Args) != 1 {
			return true
		}
		at := r.info.Types[call.Args[0]].Type
		t, ok := r.spell(at)
		if !ok {
			r.refuse(call.Pos(), "clear cannot be rewritten for the interpreter here: delete the keys (map) or zero the elements (slice) in a loop")
			return false
		}
		switch at.Underlying().(type) {
		case *types.Map:
			r.replace(call.Fun.Pos(), call.Lparen+1, "func(m_ "+t+") { for k_ := range m_ { delete(m_, k_) } }(")
		case *types.Slice:
			r.replace(call.Fun.Pos(), call.Lparen+1, "func(s_ "+t+") { z_ := make("+t+", 1)[0]; for i_ := range s_ { s_[i_] = z_ } }(")
		default:
			r.refuse(call.Pos(), "clear of a type parameter is not supported in plugins: clear a map or a slice")
		}
	}
	return true
}

// spell writes t as the file can name it.
func (r *rewriter) spell(t types.Type) (string, bool) {
	ok := true
	s := types.TypeString(t, func(p *types.Package) string {
		if p.Path() == r.pkg {
			return ""
		}
		for _, spec := range r.file.Imports {
			ip, _ := strconv.Unquote(spec.Path.Value)
			if canonical(ip) != canonical(p.Path()) {
				continue
			}
			if spec.Name != nil && spec.Name.Name != "_" && spec.Name.Name != "." {
				return spec.Name.Name
			}
			if spec.Name == nil {
				return p.Name()
			}
		}
		ok = false
		return p.Name()
	})
	return s, ok
}

// seqVar refuses `var s iter.Seq[V] = f(...)` where f is generic: the
// interpreter then calls a nil function ("reflect.Value.Call: call of nil
// function"); declared with := it works.
func (r *rewriter) seqVar(vs *ast.ValueSpec) {
	if vs.Type == nil {
		return
	}
	named, ok := r.info.TypeOf(vs.Type).(*types.Named)
	if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != "iter" || named.TypeArgs().Len() == 0 {
		return
	}
	for _, v := range vs.Values {
		call, ok := ast.Unparen(v).(*ast.CallExpr)
		if !ok {
			continue
		}
		fun := ast.Unparen(call.Fun)
		if sel, ok := fun.(*ast.SelectorExpr); ok {
			fun = sel.Sel
		}
		if id, ok := fun.(*ast.Ident); ok {
			if _, generic := r.info.Instances[id]; generic {
				r.refuse(vs.Pos(), "a variable of type iter.%s given a generic function's result is not supported in plugins: declare it with := (%s := ...)", named.Obj().Name(), vs.Names[0].Name)
			}
		}
	}
}

// typeOf is the underlying type of e, nil when unknown.
func (r *rewriter) typeOf(e ast.Expr) types.Type {
	if t := r.info.TypeOf(e); t != nil {
		return t.Underlying()
	}
	return nil
}

func (r *rewriter) text(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return "i"
}

func isUntyped(t types.Type) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Info()&types.IsUntyped != 0
}

// constLiteral writes a constant's value as Go source.
func constLiteral(v constant.Value) string {
	switch v.Kind() {
	case constant.Float:
		f, _ := constant.Float64Val(v)
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	case constant.String:
		return strconv.Quote(constant.StringVal(v))
	}
	return v.ExactString()
}
