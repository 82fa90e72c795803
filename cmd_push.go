package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/spf13/cobra"

	"github.com/go-runner/go-runner/fleet"
	"github.com/go-runner/go-runner/interp"
)

func newPushCmd(stdout, stderr io.Writer) *cobra.Command {
	var f configFlags
	var force bool
	c := &cobra.Command{
		Use:   "push [DIR]",
		Short: "Upload a folder of scripts to etcd (scripts.etcd.*), checked first, in one transaction",
		Long: `Check every script unit of DIR (default: scripts.dir) exactly as check
does, then make the keys under scripts.etcd.prefix hold exactly DIR's
units: files that changed are put, keys of files that are gone are
deleted, all in one etcd transaction. Every runner on that etcd serves the
new versions (each proved again before it replaces the one served).

A unit that fails check refuses the whole push, unless --force: the
runners then refuse that unit too and keep its last good version.

Exit status: 0 pushed (or nothing to push), 1 refused or failed, 2 when the
command line or the configuration is invalid.`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := f.input(dirArg(args)...)
			if err != nil {
				return err
			}
			return runPush(in, force, stdout, stderr)
		},
	}
	f.add(c)
	c.Flags().BoolVar(&force, "force", false, "push even when a unit fails check")
	return c
}

// runPush is `go-runner push`.
func runPush(in configInput, force bool, stdout, stderr io.Writer) error {
	cfg, err := fleetConfig(in)
	if err != nil {
		return err
	}
	if err := runCheck(in, stdout, stderr); err != nil {
		if !errors.Is(err, ErrLoad) {
			return err
		}
		if !force {
			fmt.Fprintln(stderr, "push: refused: a unit fails check (--force pushes anyway); nothing was written")
			return &exitError{code: exitFailure, cause: fmt.Errorf("push: %w", err)}
		}
		fmt.Fprintln(stderr, "push: --force: pushing units that fail check; runners will not serve them")
	}
	snaps, errs := interp.ReadDir(cfg.Scripts.Dir)
	if len(errs) > 0 {
		return fmt.Errorf("push: %w", errors.Join(errs...))
	}
	set := fleet.Set{}
	for _, s := range snaps {
		u := fleet.Unit{}
		for _, f := range s.Files {
			u[f.Name] = f.Data
		}
		set[s.Name] = u
	}
	return withEtcd(cfg, func(ctx context.Context, cli *fleetClient) error {
		w, err := fleet.Push(ctx, cli, cfg.Scripts.Etcd.Prefix, set, author(cfg))
		if err != nil {
			return fmt.Errorf("push: %w", err)
		}
		printWritten(stdout, "push", w)
		return nil
	})
}

// printWritten says what a push or a rollback wrote.
func printWritten(w io.Writer, cmd string, wr fleet.Written) {
	if wr.Revision == 0 {
		fmt.Fprintf(w, "%s: nothing changed; nothing was written\n", cmd)
		return
	}
	fmt.Fprintf(w, "%s: revision %d: units %s; put %s; deleted %s\n", cmd, wr.Revision,
		orNone(wr.Units), orNone(wr.Put), orNone(wr.Deleted))
}

// fleetConfig reads the configuration of push, history and rollback, which
// need scripts.etcd.endpoints.
func fleetConfig(in configInput) (*Config, error) {
	cfg, err := loadConfig(in)
	if err != nil {
		return nil, err
	}
	if !cfg.Scripts.Etcd.On() {
		return nil, fmt.Errorf("config: scripts.etcd.endpoints is empty: %w: set it (--set scripts.etcd.endpoints=http://127.0.0.1:2379)", ErrConfig)
	}
	return cfg, nil
}

// author names who pushes: the etcd user, else the system user, at the
// host.
func author(cfg *Config) string {
	name := cfg.Scripts.Etcd.User
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	host, _ := os.Hostname()
	return strings.TrimSuffix(name+"@"+host, "@")
}
