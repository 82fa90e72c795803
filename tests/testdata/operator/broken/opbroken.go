package plugins

import (
	"github.com/go-runner/go-runner/sdk/plugin"
)

func init() {
	_ = plugin.RegisterPlugin(nil)
	undefinedThing()
}
