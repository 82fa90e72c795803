// Package plugin defines what a go-runner plugin is and keeps the registry of
// plugins the runner serves.
//
// A plugin is a type with Name, ParseConf and at least one of RequestFilter,
// Filter (the older name of RequestFilter) or ResponseFilter, registered from
// init():
//
//	func init() {
//		if err := plugin.RegisterPlugin(&Say{}); err != nil {
//			log.Fatalf("register say: %s", err)
//		}
//	}
//
// Scripts written for the reference runner import this package as
// github.com/apache/apisix-go-plugin-runner/pkg/plugin.
package plugin
