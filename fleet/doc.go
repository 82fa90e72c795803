// Package fleet keeps script units in etcd, so that one push reaches every
// gateway node's runner.
//
// Layout: under a prefix (DefaultPrefix), one key per source file, named
// as the file is in a scripts directory: "<prefix>say.go" is the unit
// say.go, "<prefix>folder/a.go" a file of the unit folder. Other keys under
// the prefix (deeper paths, names starting with "." or "_", *_test.go, non
// .go files) are no script: the mirror ignores them. Push writes the key
// "<prefix>.pushed" (when and by whom, JSON) in the same transaction, which
// History reads back as each version's time.
//
// Writing: Push replaces the whole set in one etcd transaction (puts of
// the files that changed, deletes of the keys of files that are gone),
// guarded by the revisions it read, so that a unit's files change together
// and a concurrent push fails instead of mixing. Rollback puts one unit back
// as it was at a revision, in one transaction too.
//
// Serving: a Mirror never hands etcd's content to the runner directly. It
// materialises it into a local cache folder that the runner serves as its
// scripts directory, so that the runner's one reload path (watch, snapshot,
// prove in a throwaway process, swap) applies to etcd as to files, and a
// worker replaced by its supervisor finds the set on disk. The layout of
// the cache is that of a Kubernetes ConfigMap volume: each revision is
// written into a folder "..rev-<revision>", "..data" is a symlink to the
// current one, swapped by one rename, and each unit is a symlink
// "<unit> -> ..data/<unit>": the files of a unit change together, at once.
//
// Each changed unit passes the Mirror's Gate (go-runner check, in its own
// process) before it enters the cache: a unit version that fails it is not
// written and the last good one stays, so the cache always holds the last
// good set, and a runner started from it (etcd down) serves that.
//
// The Mirror reads the whole prefix once, then watches it from the
// revision read, checking every two timeouts that etcd still answers (a
// count-only read of one key: etcd's client retries a broken watch without
// a word). When etcd is unreachable it keeps the cache as it is and retries
// on a new connection with a doubling delay (up to MaxBackoff), resuming
// the watch from the last revision seen, or reading the whole prefix again
// when that revision was compacted. A unit version is written once: the
// cache holds the revision it reflects.
//
// The package writes no etcd protocol of its own: it uses etcd's client.
package fleet
