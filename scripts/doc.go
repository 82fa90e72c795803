// Package scripts holds go-runner's example plugins. Each .go file here is
// one script unit: the runner interprets it at load time (see package interp)
// and serves the plugins it registers. The files also compile as ordinary Go
// against the SDK, so `go vet` checks them and editors complete them; they
// share this package only for that, and are never linked into the runner.
//
// Every file starts with the plugin's conf. Types and helpers carry the
// plugin's name so that the files compile together.
//
// This file declares nothing, so the loader skips it.
package scripts
