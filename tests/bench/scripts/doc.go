// Package benchscripts holds the plugins of the load benchmark as go-runner
// scripts: bench-rewrite and bench-var, which answer exactly like the
// reference-runner plugins of the same names in ../refplugins, written in
// go-runner's fast style (the README's Performance section). The files
// are served as scripts by `go-runner run --scripts`, and compiled into the
// stand-in runner (../standin), so the same source runs both ways.
package benchscripts
