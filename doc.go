// Command go-runner is an Apache APISIX external plugin runner whose plugins
// are Go source files, interpreted at load time.
//
// Commands:
//
//	go-runner run [--config FILE] [--scripts DIR] [--log-level L] [--set KEY=VALUE]...
//	    serve APISIX on its unix socket (ext-plugin.cmd: ["/path/go-runner", "run"])
//	go-runner check [DIR]
//	    load every script unit as run would; exit 1 and print file:line:col
//	    for each failure
//	go-runner try --conf JSON [request flags] [--phase response ...]
//	    run a plugin chain on a request described by flags, through the same
//	    protocol path as a real call, and print APISIX's reply as JSON
//	go-runner status [--address HOST:PORT] [--json]
//	    show what the running runner serves (GET /status on its metrics
//	    endpoint): units, states, plugins, call counters
//	go-runner version
//	    print the version, commit, Go and yaegi versions
//
// Settings are documented in config.yaml, which the binary embeds as its
// defaults. main.go only wires the commands; config*.go read and check the
// settings, logging.go builds the logger (logfile.go: the log file SIGUSR1
// reopens), registry.go loads the scripts, status.go builds the /status
// view and cmd_*.go implement the commands.
package main
