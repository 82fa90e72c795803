package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set at build time:
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=$(git rev-parse HEAD)"
var (
	version = "dev"
	commit  = ""
)

const yaegiModule = "github.com/traefik/yaegi"

// buildVersions are the versions `go-runner version` prints.
type buildVersions struct {
	Version, Commit, Go, Yaegi string
}

// versions returns the version and commit set at build time, falling back
// on what the Go toolchain recorded (the module version of `go install
// ...@vX`, the VCS revision), and the Go and yaegi versions.
func versions() buildVersions {
	v := buildVersions{Version: version, Commit: commit, Go: runtime.Version(), Yaegi: "not linked"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if v.Commit == "" {
			v.Commit = "unknown"
		}
		return v
	}
	if v.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && v.Commit == "" {
			v.Commit = s.Value
		}
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	for _, d := range bi.Deps {
		if d.Path == yaegiModule {
			v.Yaegi = d.Version
			if d.Replace != nil {
				v.Yaegi = d.Replace.Version + " (replaces " + d.Version + ")"
			}
		}
	}
	return v
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	var long bool
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, Go and yaegi versions",
		Args:  maxArgs(0),
		RunE: func(*cobra.Command, []string) error {
			v := versions()
			_, err := fmt.Fprintf(stdout, "go-runner %s\ncommit: %s\ngo:     %s\nyaegi:  %s\n", v.Version, v.Commit, v.Go, v.Yaegi)
			if err == nil && long {
				_, err = fmt.Fprintf(stdout, "os/arch: %s/%s\n", runtime.GOOS, runtime.GOARCH)
			}
			return err
		},
	}
	c.Flags().BoolVar(&long, "long", false, "add the OS and architecture (the reference runner's version --long)")
	return c
}
