package typecheck

import (
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"sync"

	"github.com/go-runner/go-runner/bridge"
)

// universe turns reflect types of compiled packages into go/types types.
// One is shared by the process: a named type converts to one *types.Named,
// so that io.Writer is the same type whichever package mentions it. Its
// packages hold every symbol any configuration can serve; what one unit may
// use is checked afterwards (Surface).
type universe struct {
	mu    sync.Mutex
	types map[reflect.Type]types.Type
	pkgs  map[string]*types.Package
}

var compiled = &universe{types: map[reflect.Type]types.Type{}, pkgs: map[string]*types.Package{}}

// pkg returns the package at path, made on first use.
func (u *universe) pkg(path string) *types.Package {
	p := u.pkgs[path]
	if p == nil {
		name := path
		for i := len(path) - 1; i >= 0; i-- {
			if path[i] == '/' {
				name = path[i+1:]
				break
			}
		}
		p = types.NewPackage(path, name)
		u.pkgs[path] = p
	}
	return p
}

// typ converts t. u.mu is held.
func (u *universe) typ(t reflect.Type) types.Type {
	if tt, ok := u.types[t]; ok {
		return tt
	}
	if t.Name() != "" {
		if t.PkgPath() == "" {
			if o := types.Universe.Lookup(t.Name()); o != nil {
				if tn, ok := o.(*types.TypeName); ok {
					u.types[t] = tn.Type()
					return tn.Type()
				}
			}
		} else {
			return u.named(t)
		}
	}
	tt := u.literal(t)
	u.types[t] = tt
	return tt
}

// named converts a defined type: its name first (so that recursive types
// end), then its underlying type and methods.
func (u *universe) named(t reflect.Type) types.Type {
	p := u.pkg(t.PkgPath())
	obj := types.NewTypeName(token.NoPos, p, t.Name(), nil)
	n := types.NewNamed(obj, nil, nil)
	// Not inserted in p's scope: checks may be reading it. Only filling a
	// package (importer.Import), before it is handed out, writes its scope.
	u.types[t] = n
	n.SetUnderlying(u.literal(t).Underlying())
	if t.Kind() == reflect.Interface {
		return n
	}
	pt := reflect.PointerTo(t)
	for i := 0; i < pt.NumMethod(); i++ {
		m := pt.Method(i)
		var recv types.Type = types.NewPointer(n)
		if _, ok := t.MethodByName(m.Name); ok {
			recv = n
		}
		sig := u.signature(m.Type, 1, types.NewVar(token.NoPos, p, "", recv))
		n.AddMethod(types.NewFunc(token.NoPos, p, m.Name, sig))
	}
	return n
}

// literal converts the structure of t, ignoring its name.
func (u *universe) literal(t reflect.Type) types.Type {
	switch t.Kind() {
	case reflect.Bool:
		return types.Typ[types.Bool]
	case reflect.Int:
		return types.Typ[types.Int]
	case reflect.Int8:
		return types.Typ[types.Int8]
	case reflect.Int16:
		return types.Typ[types.Int16]
	case reflect.Int32:
		return types.Typ[types.Int32]
	case reflect.Int64:
		return types.Typ[types.Int64]
	case reflect.Uint:
		return types.Typ[types.Uint]
	case reflect.Uint8:
		return types.Typ[types.Uint8]
	case reflect.Uint16:
		return types.Typ[types.Uint16]
	case reflect.Uint32:
		return types.Typ[types.Uint32]
	case reflect.Uint64:
		return types.Typ[types.Uint64]
	case reflect.Uintptr:
		return types.Typ[types.Uintptr]
	case reflect.Float32:
		return types.Typ[types.Float32]
	case reflect.Float64:
		return types.Typ[types.Float64]
	case reflect.Complex64:
		return types.Typ[types.Complex64]
	case reflect.Complex128:
		return types.Typ[types.Complex128]
	case reflect.String:
		return types.Typ[types.String]
	case reflect.UnsafePointer:
		return types.Typ[types.UnsafePointer]
	case reflect.Pointer:
		return types.NewPointer(u.typ(t.Elem()))
	case reflect.Slice:
		return types.NewSlice(u.typ(t.Elem()))
	case reflect.Array:
		return types.NewArray(u.typ(t.Elem()), int64(t.Len()))
	case reflect.Map:
		return types.NewMap(u.typ(t.Key()), u.typ(t.Elem()))
	case reflect.Chan:
		dir := types.SendRecv
		switch t.ChanDir() {
		case reflect.SendDir:
			dir = types.SendOnly
		case reflect.RecvDir:
			dir = types.RecvOnly
		}
		return types.NewChan(dir, u.typ(t.Elem()))
	case reflect.Func:
		return u.signature(t, 0, nil)
	case reflect.Struct:
		fields := make([]*types.Var, t.NumField())
		tags := make([]string, t.NumField())
		for i := range fields {
			f := t.Field(i)
			p := u.pkg(t.PkgPath())
			if f.PkgPath != "" {
				p = u.pkg(f.PkgPath)
			}
			fields[i] = types.NewField(token.NoPos, p, f.Name, u.typ(f.Type), f.Anonymous)
			tags[i] = string(f.Tag)
		}
		return types.NewStruct(fields, tags)
	case reflect.Interface:
		var methods []*types.Func
		for i := 0; i < t.NumMethod(); i++ {
			m := t.Method(i)
			p := u.pkg(t.PkgPath())
			if m.PkgPath != "" {
				p = u.pkg(m.PkgPath)
			}
			methods = append(methods, types.NewFunc(token.NoPos, p, m.Name, u.signature(m.Type, 0, nil)))
		}
		it := types.NewInterfaceType(methods, nil)
		it.Complete()
		return it
	}
	return types.Typ[types.Invalid]
}

// signature converts a func type, skipping its first skip parameters (a
// method's receiver).
func (u *universe) signature(t reflect.Type, skip int, recv *types.Var) *types.Signature {
	var params, results []*types.Var
	for i := skip; i < t.NumIn(); i++ {
		params = append(params, types.NewParam(token.NoPos, nil, "", u.typ(t.In(i))))
	}
	for i := 0; i < t.NumOut(); i++ {
		results = append(results, types.NewParam(token.NoPos, nil, "", u.typ(t.Out(i))))
	}
	return types.NewSignatureType(recv, nil, nil, types.NewTuple(params...), types.NewTuple(results...), t.IsVariadic())
}

// object converts a served symbol to the object a script's selector finds.
func (u *universe) object(p *types.Package, name string, s bridge.Symbol) types.Object {
	v := s.Value
	switch s.Kind {
	case bridge.SymType:
		tt := u.typ(v.Type().Elem())
		if n, ok := tt.(*types.Named); ok && n.Obj().Name() == name && n.Obj().Pkg() == p {
			return n.Obj()
		}
		return types.NewTypeName(token.NoPos, p, name, tt) // an alias
	case bridge.SymFunc:
		return types.NewFunc(token.NoPos, p, name, u.signature(v.Type(), 0, nil))
	case bridge.SymVar:
		return types.NewVar(token.NoPos, p, name, u.typ(v.Type()))
	}
	if c, ok := v.Interface().(constant.Value); ok {
		return types.NewConst(token.NoPos, p, name, untyped(c), c)
	}
	return types.NewConst(token.NoPos, p, name, u.typ(v.Type()), typedConst(v))
}

// untyped is the type of an untyped constant.
func untyped(c constant.Value) types.Type {
	switch c.Kind() {
	case constant.Bool:
		return types.Typ[types.UntypedBool]
	case constant.String:
		return types.Typ[types.UntypedString]
	case constant.Int:
		return types.Typ[types.UntypedInt]
	case constant.Float:
		return types.Typ[types.UntypedFloat]
	case constant.Complex:
		return types.Typ[types.UntypedComplex]
	}
	return types.Typ[types.Invalid]
}

// typedConst is the value of a typed constant.
func typedConst(v reflect.Value) constant.Value {
	switch v.Kind() {
	case reflect.Bool:
		return constant.MakeBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return constant.MakeInt64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return constant.MakeUint64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return constant.MakeFloat64(v.Float())
	case reflect.String:
		return constant.MakeString(v.String())
	}
	return constant.MakeUnknown()
}
