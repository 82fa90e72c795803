package bridge

// Import paths of the packages the bridge serves besides the standard library.
const (
	PluginPath = "github.com/go-runner/go-runner/sdk/plugin"
	HTTPPath   = "github.com/go-runner/go-runner/sdk/pluginhttp"
	LogPath    = "github.com/go-runner/go-runner/sdk/pluginlog"
	// PreparedPath has no counterpart under the reference's paths: they
	// keep the reference's API.
	PreparedPath = "github.com/go-runner/go-runner/sdk/prepared"

	// The reference runner's paths for the same packages.
	RefPluginPath = "github.com/apache/apisix-go-plugin-runner/pkg/plugin"
	RefHTTPPath   = "github.com/apache/apisix-go-plugin-runner/pkg/http"
	RefLogPath    = "github.com/apache/apisix-go-plugin-runner/pkg/log"

	RatePath = "golang.org/x/time/rate"

	// hostPath is imported by the interpreted plugin package only; scripts
	// cannot import it (ImportAccess says Unavailable).
	hostPath = "github.com/go-runner/go-runner/bridge/host"
)

// sdkPaths are the bridged import paths a script may import.
var sdkPaths = map[string]bool{
	PluginPath: true, HTTPPath: true, LogPath: true, PreparedPath: true,
	RefPluginPath: true, RefHTTPPath: true, RefLogPath: true,
	RatePath: true,
}

// key is the Exports key yaegi expects for a package: "import/path/name".
func key(importPath, name string) string { return importPath + "/" + name }
