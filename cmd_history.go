package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/go-runner/go-runner/fleet"
	"github.com/go-runner/go-runner/interp"
)

// fleetClient is etcd's client, as push, history and rollback use it.
type fleetClient = clientv3.Client

// withEtcd runs fn with a client of cfg's etcd and a context bounded by
// scripts.etcd.timeout per command (history makes several requests: each
// gets it).
func withEtcd(cfg *Config, fn func(context.Context, *fleetClient) error) error {
	cli, err := fleet.Dial(cfg.Scripts.Etcd.options())
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 4*cfg.Scripts.Etcd.Timeout)
	defer cancel()
	return fn(ctx, cli)
}

func newHistoryCmd(stdout io.Writer) *cobra.Command {
	var f configFlags
	c := &cobra.Command{
		Use:   "history [UNIT]",
		Short: "List the versions pushed to etcd: revision, unit, content sum, time, author",
		Long: `List, newest first, the versions of UNIT (every unit when omitted) that
push and rollback wrote under scripts.etcd.prefix, as far back as etcd's
compaction allows: the etcd revision (what rollback takes), the unit, its
content sum (the one go-runner status shows for the unit served), when and
by whom.`,
		Args: maxArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			cfg, err := f.fleetConfig()
			if err != nil {
				return err
			}
			unit := ""
			if len(args) == 1 {
				unit = args[0]
			}
			return withEtcd(cfg, func(ctx context.Context, cli *fleetClient) error {
				vs, err := fleet.History(ctx, cli, cfg.Scripts.Etcd.Prefix, unit)
				if err != nil {
					return fmt.Errorf("history: %w", err)
				}
				tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "REVISION\tUNIT\tSUM\tTIME\tBY\tWHAT")
				for _, v := range vs {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", v.Revision, v.Unit, versionSum(v),
						v.Pushed.Time.Format(time.RFC3339), v.Pushed.By, v.Pushed.What)
				}
				return tw.Flush()
			})
		},
	}
	f.add(c)
	return c
}

// versionSum is a version's content sum as status shows it, "deleted"
// for a unit the push removed.
func versionSum(v fleet.Version) string {
	if v.Files == nil {
		return "deleted"
	}
	files := make([]interp.SourceFile, 0, len(v.Files))
	for _, name := range v.Files.Files() {
		files = append(files, interp.SourceFile{Name: name, Data: v.Files[name]})
	}
	sum := interp.SumOf(v.Unit, files)
	return hex.EncodeToString(sum[:])
}

func newRollbackCmd(stdout io.Writer) *cobra.Command {
	var f configFlags
	c := &cobra.Command{
		Use:   "rollback UNIT REV",
		Short: "Put UNIT back in etcd as it was at revision REV (see history)",
		Long: `Write UNIT's files as they were at etcd revision REV (a REVISION of
history), deleting the files it did not have then, in one transaction; the
other units stay as they are. Every runner serves it again (checked and
proved as any version).`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 2 {
				return fmt.Errorf("%w: rollback takes UNIT and REV, got %q (see %s --help)", ErrUsage, args, c.CommandPath())
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			rev, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || rev < 1 {
				return fmt.Errorf("%w: REV %q is not an etcd revision (a whole number from 1)", ErrUsage, args[1])
			}
			cfg, err := f.fleetConfig()
			if err != nil {
				return err
			}
			return withEtcd(cfg, func(ctx context.Context, cli *fleetClient) error {
				w, err := fleet.Rollback(ctx, cli, cfg.Scripts.Etcd.Prefix, args[0], rev, author(cfg))
				if err != nil {
					return fmt.Errorf("rollback: %w", err)
				}
				printWritten(stdout, "rollback", w)
				return nil
			})
		},
	}
	f.add(c)
	return c
}

// fleetConfig is the configuration of f for history and rollback.
func (f *configFlags) fleetConfig() (*Config, error) {
	in, err := f.input()
	if err != nil {
		return nil, err
	}
	return fleetConfig(in)
}
