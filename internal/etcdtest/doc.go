// Package etcdtest starts a real etcd server for tests: the etcd binary
// (Debian's etcd-server package, which test.sh installs when it can) on
// random ports of 127.0.0.1, with a temporary data directory, stopped when
// the test ends. A test calling Start is skipped, saying why, where there
// is no etcd binary. Start returns once etcd answers a read.
package etcdtest
