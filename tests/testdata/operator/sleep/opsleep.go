package plugins

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&OpSleep{}); err != nil {
		panic(err)
	}
}

// OpSleep blocks in compiled code (time.Sleep), which no deadline
// interrupts.
type OpSleep struct{ plugin.DefaultPlugin }

func (*OpSleep) Name() string { return "op-sleep" }

func (*OpSleep) ParseConf(in []byte) (interface{}, error) { return nil, nil }

func (*OpSleep) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	fmt.Println("op-sleep sleeping")
	time.Sleep(30 * time.Second)
}
