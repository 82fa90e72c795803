package tests

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// buildTimeout bounds each `go build`; the first build of the module on a
// cold cache is the slow one.
const buildTimeout = 5 * time.Minute

// binary is one program under test.
type binary struct {
	name string
	pkg  string // package path relative to the repository root
	// args returns the arguments that make it serve with dir as its
	// working directory; nil: none.
	args func(dir string) ([]string, error)
}

var binaries = []binary{
	{name: "testrunner", pkg: "./tests/testrunner"},
	{name: "example", pkg: "./sdk/runner/example"},
	{name: "go-runner", pkg: ".", args: goRunnerArgs},
}

// goRunnerArgs serves an empty scripts directory of its own.
func goRunnerArgs(dir string) ([]string, error) {
	scripts := filepath.Join(dir, "scripts")
	if err := os.MkdirAll(scripts, 0o755); err != nil {
		return nil, err
	}
	return []string{"run", "--scripts", scripts}, nil
}

// argsIn returns b's arguments for working directory dir.
func (b binary) argsIn(t testing.TB, dir string) []string {
	t.Helper()
	if b.args == nil {
		return nil
	}
	args, err := b.args(dir)
	if err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	return args
}

// built maps a binary's name to its path, or to the error of its build.
var built = map[string]struct {
	path string
	err  error
}{}

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "grbin")
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests:", err)
		os.Exit(2)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests:", err)
		os.Exit(2)
	}
	// One build at a time: the machine has two cores.
	for _, b := range binaries {
		path := filepath.Join(dir, b.name)
		built[b.name] = struct {
			path string
			err  error
		}{path, goBuild(root, path, b.pkg)}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// raceEnv set to 1 builds the binaries under test with the race detector
// even when the tests themselves run without it (`go test -race` builds
// them so anyway).
const raceEnv = "GO_RUNNER_E2E_RACE"

func goBuild(root, out, pkg string) error {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	args := []string{"build", "-o", out}
	if raceEnabled || os.Getenv(raceEnv) == "1" {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// binPath returns the built binary, failing the test when its build failed.
func binPath(t testing.TB, name string) (string, binary) {
	t.Helper()
	var spec binary
	for _, b := range binaries {
		if b.name == name {
			spec = b
		}
	}
	b, ok := built[name]
	if !ok {
		t.Fatalf("no binary %q", name)
	}
	if b.err != nil {
		t.Fatalf("binary %s was not built: %v", name, b.err)
	}
	return b.path, spec
}
