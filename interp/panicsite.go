package interp

import (
	"path"
	"strconv"
	"strings"

	"github.com/go-runner/go-runner/interp/typecheck"
)

// yaegi places a panic at the first statement of the function that
// panicked, and words run-time errors as package reflect does. place
// rewords the value as Go does and, when the function has a single
// expression that can panic that way (typecheck.Sites), moves the position
// to it: "say.go:31:9" rather than "say.go:28:2".

// goWording maps yaegi's wording of a run-time error to Go's, with the
// kind of expression that raises it.
var goWording = []struct {
	prefix, words string
	kind          typecheck.SiteKind
}{
	{"reflect: slice index out of range", "runtime error: index out of range", typecheck.SiteIndex},
	{"reflect: array index out of range", "runtime error: index out of range", typecheck.SiteIndex},
	{"reflect: string index out of range", "runtime error: index out of range", typecheck.SiteIndex},
	{"runtime error: index out of range", "", typecheck.SiteIndex},
	{"reflect.Value.Slice: slice index out of bounds", "runtime error: slice bounds out of range", typecheck.SiteSlice},
	{"reflect.Value.Slice3: slice index out of bounds", "runtime error: slice bounds out of range", typecheck.SiteSlice},
	{"runtime error: slice bounds out of range", "", typecheck.SiteSlice},
	{"reflect: call of reflect.Value.", "runtime error: invalid memory address or nil pointer dereference", typecheck.SiteNil},
	{"runtime error: invalid memory address or nil pointer dereference", "", typecheck.SiteNil},
	{"assignment to entry in nil map", "", typecheck.SiteNilMap},
	{"runtime error: integer divide by zero", "", typecheck.SiteDivide},
}

// place rewords pe's value and narrows its position.
func (u *Unit) place(pe *PanicError) {
	kind := typecheck.SitePanic
	for _, w := range goWording {
		if strings.HasPrefix(pe.Value, w.prefix) {
			if w.words != "" {
				pe.Value = w.words
			}
			kind = w.kind
			break
		}
	}
	if pos, rest, ok := cutPos(pe.Value); ok {
		// yaegi placed it itself (a failed type assertion).
		pe.Pos, pe.Value = pos, rest
		return
	}
	file, line, ok := splitPos(pe.Pos)
	if !ok {
		return
	}
	if at, ok := u.sites.Find(file, line, kind, pe.Value); ok {
		pe.Pos = at.Filename + ":" + strconv.Itoa(at.Line) + ":" + strconv.Itoa(at.Column)
	}
}

// splitPos splits "file:line:col" into the file (cleaned) and the line.
func splitPos(pos string) (string, int, bool) {
	parts := strings.Split(pos, ":")
	if len(parts) < 3 {
		return "", 0, false
	}
	line, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil {
		return "", 0, false
	}
	return path.Clean(strings.Join(parts[:len(parts)-2], ":")), line, true
}

// cutPos splits "file.go:line:col: message".
func cutPos(v string) (pos, rest string, ok bool) {
	i := strings.Index(v, ".go:")
	if i < 0 {
		return "", "", false
	}
	parts := strings.SplitN(v[i+4:], ": ", 2)
	if len(parts) != 2 {
		return "", "", false
	}
	lc := strings.Split(parts[0], ":")
	if len(lc) != 2 {
		return "", "", false
	}
	for _, n := range lc {
		if _, err := strconv.Atoi(n); err != nil {
			return "", "", false
		}
	}
	return v[:i+4] + parts[0], parts[1], true
}
