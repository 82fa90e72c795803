package skeleton

import (
	"bytes"
	"embed"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.ParseFS(templateFS, "templates/*.tmpl"))

// DefaultPackage is the package clause of the files in a directory that
// has no Go files yet.
const DefaultPackage = "scripts"

// Write writes the plugin and test files of plugin name into dir and
// returns their paths. The package clause is that of dir's Go files, or
// DefaultPackage.
func Write(dir, name string) ([]string, error) {
	pkg, decls, err := scanPackage(dir)
	if err != nil {
		return nil, err
	}
	n, err := NamesOf(name, pkg)
	if err != nil {
		return nil, err
	}
	files := []struct{ path, tmpl string }{
		{filepath.Join(dir, n.File), "plugin.go.tmpl"},
		{filepath.Join(dir, n.TestFile), "plugin_test.go.tmpl"},
	}
	for _, f := range files {
		if _, err := os.Lstat(f.path); err == nil {
			return nil, fmt.Errorf("skeleton: %s: %w", f.path, ErrExists)
		}
	}
	for _, id := range []string{n.Type, n.Type + "Conf", "Test" + n.Type} {
		if decls[id] {
			return nil, fmt.Errorf("skeleton: %s: %w (in %s); choose another plugin name", id, ErrClash, dir)
		}
	}
	srcs := make([][]byte, len(files))
	for i, f := range files {
		if srcs[i], err = Render(f.tmpl, n); err != nil {
			return nil, err
		}
	}
	var written []string
	for i, f := range files {
		// O_EXCL: a file created since the check above is not overwritten.
		fh, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, err = fh.Write(srcs[i])
			if cerr := fh.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			for _, p := range written {
				_ = os.Remove(p)
			}
			return nil, fmt.Errorf("skeleton: %w", err)
		}
		written = append(written, f.path)
	}
	return written, nil
}

// Render executes template tmpl for n and formats the result as Go.
func Render(tmpl string, n Names) ([]byte, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, tmpl, n); err != nil {
		return nil, fmt.Errorf("skeleton: %s: %w", tmpl, err)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("skeleton: %s: %w", tmpl, err)
	}
	return src, nil
}

// scanPackage returns the package clause of dir's Go files (DefaultPackage
// if it has none) and the names they declare at the top level.
func scanPackage(dir string) (string, map[string]bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", nil, fmt.Errorf("skeleton: %w", err)
	}
	pkg := ""
	decls := map[string]bool{}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			continue // a file that does not parse says nothing reliable
		}
		if !strings.HasSuffix(name, "_test.go") && pkg == "" {
			pkg = f.Name.Name
		}
		for _, d := range f.Decls {
			declNames(d, decls)
		}
	}
	if pkg == "" {
		pkg = DefaultPackage
	}
	return pkg, decls, nil
}
