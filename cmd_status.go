package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-runner/go-runner/protocol/metrics"
)

// statusTimeout bounds `go-runner status`'s request.
const statusTimeout = 10 * time.Second

func newStatusCmd(stdout io.Writer) *cobra.Command {
	var f configFlags
	var address string
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Show what the running runner serves: units, states, plugins and their calls",
		Long: `Reads GET /status on the running runner's metrics endpoint (metrics.address
of the configuration, or --address) and prints each script unit: its files,
content hash, load time, plugins, state (serving, failed with the error and
file:line:col, stopped, quarantined) and its plugins' calls by phase.
--json prints the endpoint's JSON as it is.`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("address") {
				in, err := f.input()
				if err != nil {
					return err
				}
				cfg, err := loadConfig(in)
				if err != nil {
					return err
				}
				address = cfg.Metrics.Address
			}
			if address == "" || strings.HasSuffix(address, ":0") {
				return fmt.Errorf("%w: status: no metrics endpoint to ask: set metrics.address (a fixed port) or --address", ErrUsage)
			}
			body, err := fetchStatus(cmd.Context(), address)
			if err != nil {
				return err
			}
			if asJSON {
				_, err = stdout.Write(body)
				return err
			}
			var v statusView
			if err := json.Unmarshal(body, &v); err != nil {
				return fmt.Errorf("status: decode the answer of %s: %w", address, err)
			}
			return printStatus(stdout, v)
		},
	}
	f.add(c)
	c.Flags().StringVar(&address, "address", "", "host:port of the metrics endpoint (default metrics.address)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the JSON of GET /status")
	return c
}

// fetchStatus gets http://address/status.
func fetchStatus(ctx context.Context, address string) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	url := "http://" + address + metrics.StatusPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("status: is the runner running with metrics.address %s? %w", address, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("status: read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status: %s answered %s", url, resp.Status)
	}
	return body, nil
}

// printStatus writes v for people.
func printStatus(w io.Writer, v statusView) error {
	mode := "single process"
	if v.Supervised {
		mode = fmt.Sprintf("supervised, %d worker restart(s)", v.Restarts)
	}
	fmt.Fprintf(w, "go-runner %s, pid %d (%s), serving since %s\nscripts: %s\n\n",
		v.Version, v.PID, mode, v.Since.Format(time.RFC3339), v.ScriptsDir)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "UNIT\tSTATE\tLOADED\tSUM\tFILES")
	for _, u := range v.Units {
		loaded := "-"
		if u.LoadedAt != nil {
			loaded = u.LoadedAt.Format(time.RFC3339)
		}
		sum := u.Sum
		if len(sum) > 12 {
			sum = sum[:12]
		}
		state := u.State
		if u.State == "failed" && u.Serving {
			state += " (previous version serving)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, state, loaded, sum, strings.Join(u.Files, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, u := range v.Units {
		for _, d := range u.Diagnostics {
			fmt.Fprintf(w, "  %s: %s\n", u.Name, d)
		}
	}
	var plugins []pluginView
	for _, u := range v.Units {
		plugins = append(plugins, u.Plugins...)
	}
	plugins = append(plugins, v.Compiled...)
	if len(plugins) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLUGIN\tPARSE_CONF\tREQUEST\tRESPONSE\tFAILED")
	for _, p := range plugins {
		failed := p.Failures["parse_conf"] + p.Failures["request"] + p.Failures["response"]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", p.Name, p.Calls["parse_conf"], p.Calls["request"], p.Calls["response"], failed)
	}
	return tw.Flush()
}
