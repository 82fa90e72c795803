package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/go-runner/go-runner/interp"
)

// probeCommand is the hidden command a Prober runs: `go-runner probe`.
const probeCommand = "probe"

// newProbeCmd is `go-runner probe`: one script unit is loaded from the
// request on stdin, in this throwaway process, so that a script whose init
// hits a fatal error kills it and not the process that asked
// (interp.ServeProbe). Started by hand, it has no request and exits 2.
func newProbeCmd(stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:    probeCommand,
		Short:  "Load the script unit of the request on stdin and answer on stdout (go-runner runs it itself)",
		Hidden: true,
		Args:   maxArgs(0),
		RunE: func(c *cobra.Command, _ []string) error {
			if code := interp.ServeProbe(c.InOrStdin(), stdout, stderr); code != exitOK {
				return &exitError{code: code, cause: fmt.Errorf("probe: exit status %d", code)}
			}
			return nil
		},
	}
}

// newProber returns the prober of this binary: its ProveFunc proves each
// unit in `go-runner probe` before this process loads it (`check` does; a
// worker would set interp.ReloadConfig.Prove to it).
func newProber() (*interp.Prober, error) {
	return interp.NewProber(probeCommand)
}
