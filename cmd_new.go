package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/go-runner/go-runner/skeleton"
)

func newNewCmd(stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "new NAME [DIR]",
		Short: "Write a new plugin NAME and its test into DIR (default: the current directory)",
		Long: `Write NAME.go, a small working plugin registered as NAME, and NAME_test.go,
its table test (package plugintest), into DIR. Both join the package of
DIR's Go files ("scripts" when there are none) and pass go-runner check,
go vet and go test as written, in a Go module that requires
github.com/go-runner/go-runner. No file is overwritten.

The written paths are printed on standard output, one per line.

Example:
  go-runner new api-key scripts
  go test ./scripts && go-runner check scripts`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("%w: new needs the plugin's NAME, e.g. go-runner new api-key (see %s --help)", ErrUsage, c.CommandPath())
			}
			return maxArgs(2)(c, args)
		},
		RunE: func(_ *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 2 {
				dir = args[1]
			}
			return runNew(args[0], dir, stdout, stderr)
		},
	}
}

// runNew writes the files and says what to run next.
func runNew(name, dir string, stdout, stderr io.Writer) error {
	paths, err := skeleton.Write(dir, name)
	if errors.Is(err, skeleton.ErrBadName) {
		return fmt.Errorf("new: %w: %w", ErrUsage, err)
	}
	if err != nil {
		return fmt.Errorf("new: %w", err)
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	if !inModule(dir) {
		fmt.Fprintf(stderr, "go-runner: new: %s is in no Go module: go vet and go test need a go.mod that requires github.com/go-runner/go-runner (see the README, \"Writing a plugin\")\n", dir)
	}
	return nil
}

// inModule reports whether dir or a parent holds a go.mod.
func inModule(dir string) bool {
	d, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return true
		}
		parent := filepath.Dir(d)
		if parent == d {
			return false
		}
		d = parent
	}
}
