// Command testrunner is a compiled runner (built with sdk/runner) serving
// plugins that exist only for the end-to-end tests under tests/: plugins
// that panic, reject their conf, sleep, ask for variables and bodies, write
// huge bodies, use the legacy Filter shape, or report their deadline.
//
// TESTRUNNER_LOG_LEVEL (debug, info, warn, error) sets the log level; the
// default is the SDK's, info.
package main
