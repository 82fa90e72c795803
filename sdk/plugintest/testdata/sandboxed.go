// A plugin that go build and go vet accept but the runner refuses: it
// imports a package outside the sandbox.

package testdata

import (
	"net/http"
	"os/exec"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&Sandboxed{}); err != nil {
		panic(err)
	}
}

// Sandboxed runs a command.
type Sandboxed struct{ plugin.DefaultPlugin }

// Name is the plugin's name.
func (*Sandboxed) Name() string { return "sandboxed" }

// ParseConf accepts anything.
func (*Sandboxed) ParseConf(in []byte) (interface{}, error) { return nil, nil }

// RequestFilter runs true.
func (*Sandboxed) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	_ = exec.Command("true").Run()
}
