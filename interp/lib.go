package interp

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Helper packages: code shared between units lives in LibDir, one package
// per folder (lib/<pkg>/*.go, deeper folders are packages too), imported as
// LibImport + "/<pkg>". LibDir is never a unit. Each unit that imports a
// helper gets its own interpreted copy in its own interpreter: the helper's
// files are part of the unit's Snapshot (so of its sum, its proof and its
// quarantine), and a change to a helper reloads exactly the units that
// import it, directly or through another helper.
const (
	// LibDir is the folder of helper packages in the scripts directory.
	LibDir = "lib"
	// LibImport is the import path of LibDir: a scripts repository whose
	// go.mod says `module scripts` resolves it the same way for go build.
	LibImport = "scripts/" + LibDir
)

// shareHint says where code shared between units goes.
var shareHint = fmt.Sprintf("code shared between units goes in a helper package, %s/<pkg>/*.go in the scripts directory, imported as %q", LibDir, LibImport+"/<pkg>")

// maxLibFiles bounds the helper files one unit pulls in.
const maxLibFiles = 1000

// libPackage returns the folder of the helper package importPath
// ("lib/strutil" for "scripts/lib/strutil"), or false when importPath names
// no helper package.
func libPackage(importPath string) (string, bool) {
	rest, ok := strings.CutPrefix(importPath, LibImport+"/")
	if !ok || rest == "" || !fs.ValidPath(rest) {
		return "", false
	}
	for _, el := range strings.Split(rest, "/") {
		if skipName(el) {
			return "", false
		}
	}
	return LibDir + "/" + rest, true
}

// readLibs reads, from dir, the helper packages the files import, and the
// helpers those import, as SourceFiles named "lib/<pkg>/<file>.go", sorted.
// A helper package that does not exist is left out: checkSource reports its
// import with its position.
func readLibs(dir string, files []SourceFile) ([]SourceFile, error) {
	seen := make(map[string]bool)
	var out []SourceFile
	queue := files
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		for _, imp := range fileImports(f) {
			pkg, ok := libPackage(imp)
			if !ok || seen[pkg] {
				continue
			}
			seen[pkg] = true
			read, err := readLibPackage(dir, pkg)
			if err != nil {
				return nil, err
			}
			if len(out)+len(read) > maxLibFiles {
				return nil, fmt.Errorf("%w: more than %d helper files imported", ErrNotUnit, maxLibFiles)
			}
			out = append(out, read...)
			queue = append(queue, read...)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// fileImports lists the imports of a Go file; a file that does not parse
// lists none (checkSource reports it).
func fileImports(f SourceFile) []string {
	pf, err := parser.ParseFile(token.NewFileSet(), f.Name, f.Data, parser.ImportsOnly)
	if err != nil || pf == nil {
		return nil
	}
	imports := make([]string, 0, len(pf.Imports))
	for _, spec := range pf.Imports {
		if p, err := strconv.Unquote(spec.Path.Value); err == nil {
			imports = append(imports, p)
		}
	}
	return imports
}

// readLibPackage reads the Go files of helper package pkg ("lib/strutil")
// of dir, following symlinks. A package that is not there has no files.
func readLibPackage(dir, pkg string) ([]SourceFile, error) {
	entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(pkg)))
	if err != nil {
		return nil, nil //nolint:nilerr // missing: its import is reported with its position
	}
	var out []SourceFile
	for _, e := range entries {
		if !isSource(e.Name()) {
			continue
		}
		name := path.Join(pkg, e.Name())
		p := filepath.Join(dir, filepath.FromSlash(name))
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue // a folder named x.go, a dangling link
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("helper package %s: %w", pkg, err)
		}
		out = append(out, SourceFile{Name: name, Data: b})
	}
	return out, nil
}

// libFolders lists LibDir of dir and every folder under it, for the
// watcher; at most maxLibFiles of them.
func libFolders(dir string) []string {
	var out []string
	root := filepath.Join(dir, LibDir)
	var walk func(p string)
	walk = func(p string) {
		fi, err := os.Stat(p) // follows symlinks
		if err != nil || !fi.IsDir() || len(out) >= maxLibFiles {
			return
		}
		out = append(out, p)
		entries, _ := os.ReadDir(p)
		for _, e := range entries {
			if !skipName(e.Name()) && !strings.HasSuffix(e.Name(), ".go") {
				walk(filepath.Join(p, e.Name()))
			}
		}
	}
	walk(root)
	return out
}

// scriptPath names helper files in s as the scripts directory does: the
// interpreter reads them under libSrc.
func scriptPath(s string) string {
	return strings.ReplaceAll(s, libSrc+"/", LibDir+"/")
}

// libPathError is an interpreter's error with helper files named as the
// scripts directory does. An error inside a helper, which the interpreter
// reports at the unit's import ("a.go:9:2: import \"scripts/lib/ver\"
// error: <the error>"), is told at the helper's own position first:
// "lib/ver/ver.go:15:28: undefined: x (imported at a.go:9:2)".
type libPathError struct{ err error }

func (e libPathError) Error() string {
	msg := e.err.Error()
	var at []string
	for {
		pos, rest, ok := strings.Cut(msg, `: import "`+LibImport+"/")
		if !ok || strings.ContainsAny(pos, " \n") {
			break
		}
		_, inner, ok := strings.Cut(rest, `" error: `)
		if !ok {
			break
		}
		at = append(at, scriptPath(pos))
		msg = inner
	}
	msg = scriptPath(msg)
	if len(at) > 0 {
		slices.Reverse(at)
		msg += " (imported at " + strings.Join(at, ", ") + ")"
	}
	return msg
}

func (e libPathError) Unwrap() error { return e.err }
