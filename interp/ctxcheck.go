package interp

import (
	"go/ast"
	"go/token"
	"strconv"
)

// A script type that implements context.Context would have its methods
// called by the standard library on goroutines of its own: context's
// propagation goroutine calls the parent's Done, Err and Value once a
// derived context (WithCancel, WithTimeout...) is made from it, where no
// deadline watches and no recover catches. So such types are refused at
// load, at the method that makes them a Context: a method Done() <-chan
// struct{}, or any of Deadline, Done, Err and Value on a type that embeds
// context.Context. Scripts derive their contexts from r.Context().

// ctxMethods are context.Context's methods.
var ctxMethods = map[string]bool{"Deadline": true, "Done": true, "Err": true, "Value": true}

// ctxScan collects, over a unit's files, what makes a script type a Context.
type ctxScan struct {
	embeds  map[string]bool        // types embedding context.Context
	methods map[string][]ctxMethod // by receiver type
}

type ctxMethod struct {
	name   string
	pos    token.Position
	isDone bool // Done() <-chan struct{}
}

func newCtxScan() *ctxScan {
	return &ctxScan{embeds: make(map[string]bool), methods: make(map[string][]ctxMethod)}
}

// add scans one file.
func (cs *ctxScan) add(fset *token.FileSet, f *ast.File) {
	ctxName := ""
	for _, spec := range f.Imports {
		if p, _ := strconv.Unquote(spec.Path.Value); p == "context" {
			ctxName = "context"
			if spec.Name != nil {
				ctxName = spec.Name.Name
			}
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, s := range d.Specs {
				ts, ok := s.(*ast.TypeSpec)
				if !ok {
					continue
				}
				if st, ok := ts.Type.(*ast.StructType); ok && ctxName != "" && embedsContext(st, ctxName) {
					cs.embeds[ts.Name.Name] = true
				}
			}
		case *ast.FuncDecl:
			if d.Recv == nil || len(d.Recv.List) != 1 || !ctxMethods[d.Name.Name] {
				continue
			}
			recv := baseTypeName(d.Recv.List[0].Type)
			if recv == "" {
				continue
			}
			cs.methods[recv] = append(cs.methods[recv], ctxMethod{
				name: d.Name.Name, pos: fset.Position(d.Name.Pos()), isDone: isDoneSig(d.Type),
			})
		}
	}
}

// errors returns one refusal per script type that is a Context.
func (cs *ctxScan) errors() []error {
	var errs []error
	for _, typ := range sortedKeys(cs.methods) {
		for _, m := range cs.methods[typ] {
			if m.isDone || cs.embeds[typ] {
				errs = append(errs, &posError{pos: m.pos.String(), kind: ErrScriptContext,
					msg: "type " + typ + " implements context.Context (method " + m.name + "): the standard library would call its methods on goroutines of its own, where no deadline watches them; derive contexts from r.Context() instead"})
				break
			}
		}
	}
	return errs
}

// embedsContext reports whether st has an embedded context.Context field.
func embedsContext(st *ast.StructType, ctxName string) bool {
	for _, f := range st.Fields.List {
		if len(f.Names) != 0 {
			continue
		}
		if sel, ok := f.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Context" {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == ctxName {
				return true
			}
		}
	}
	return false
}

// baseTypeName is T for receivers T, *T, T[P] and *T[P].
func baseTypeName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// isDoneSig reports whether ft is func() <-chan struct{}.
func isDoneSig(ft *ast.FuncType) bool {
	if ft.Params.NumFields() != 0 || ft.Results.NumFields() != 1 {
		return false
	}
	ch, ok := ft.Results.List[0].Type.(*ast.ChanType)
	if !ok || ch.Dir != ast.RECV {
		return false
	}
	st, ok := ch.Value.(*ast.StructType)
	return ok && st.Fields.NumFields() == 0
}
