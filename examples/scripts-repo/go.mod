module scripts

go 1.26.0

require github.com/go-runner/go-runner v0.0.0-00010101000000-000000000000

require (
	github.com/apache/apisix-go-plugin-runner v0.5.0 // indirect
	github.com/fsnotify/fsnotify v1.10.1 // indirect
	github.com/traefik/yaegi v0.16.1 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	go.uber.org/zap v1.28.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/time v0.16.0 // indirect
)

// The runner's checkout, so that go test needs no download of it; drop
// this line to use a published version.
replace github.com/go-runner/go-runner => ../..
