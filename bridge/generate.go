package bridge

import "reflect"

// The SDK packages scripts import (pluginhttp, prepared, pluginlog) and
// golang.org/x/time/rate are served as
// symbols extracted by yaegi; `go generate ./bridge` rewrites the files below
// and CI fails when they are stale. For pluginlog only the printf-style
// functions are extracted: each unit gets them bound to its own logger.
//
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract -name bridge github.com/go-runner/go-runner/sdk/pluginhttp github.com/go-runner/go-runner/sdk/prepared golang.org/x/time/rate
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract -name bridge -include Debugf,Infof,Warnf,Errorf,Fatalf github.com/go-runner/go-runner/sdk/pluginlog

// Symbols holds the extracted symbols, keyed by "import/path/name" as
// yaegi's Use expects. It is filled by the generated files' init functions
// and read by Exports; scripts never see it whole.
var Symbols = map[string]map[string]reflect.Value{}
