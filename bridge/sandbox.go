package bridge

import (
	"fmt"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/stdlib"
	stdsyscall "github.com/traefik/yaegi/stdlib/syscall"
	"github.com/traefik/yaegi/stdlib/unrestricted"
	stdunsafe "github.com/traefik/yaegi/stdlib/unsafe"
)

// defaultAllowed is the standard library a filter needs, and nothing that
// reaches files, processes, the network or the runtime. net and net/http are
// served filtered (types, constants and pure functions only), time and
// context with an AfterFunc that cannot crash the runner, and crypto without
// RegisterHash.
var defaultAllowed = []string{
	"bufio", "bytes", "cmp",
	"compress/flate", "compress/gzip", "compress/zlib",
	"container/heap", "container/list", "container/ring",
	"context",
	"crypto", "crypto/aes", "crypto/cipher", "crypto/ecdsa", "crypto/ed25519",
	"crypto/elliptic", "crypto/hmac", "crypto/md5", "crypto/rand", "crypto/rsa",
	"crypto/sha1", "crypto/sha256", "crypto/sha512", "crypto/subtle",
	"encoding", "encoding/base32", "encoding/base64", "encoding/binary",
	"encoding/csv", "encoding/hex", "encoding/json", "encoding/pem", "encoding/xml",
	"errors", "fmt",
	"hash", "hash/adler32", "hash/crc32", "hash/crc64", "hash/fnv", "hash/maphash",
	"html", "io", "maps",
	"math", "math/big", "math/bits", "math/rand", "math/rand/v2",
	"net", "net/http", "net/netip", "net/url",
	"path", "regexp", "slices", "sort", "strconv", "strings",
	"sync", "sync/atomic", "time",
	"unicode", "unicode/utf16", "unicode/utf8",
}

// DefaultAllowed lists the standard library packages every script may
// import, sorted.
func DefaultAllowed() []string {
	out := append([]string(nil), defaultAllowed...)
	sort.Strings(out)
	return out
}

// Access says whether a script may import a package.
type Access int

const (
	// Unavailable: neither a standard library package yaegi provides nor a
	// bridged one; no configuration makes it importable.
	Unavailable Access = iota
	// Refused: a standard library package outside the allowlist;
	// sandbox.allow in config.yaml can add it.
	Refused
	// Allowed: importable.
	Allowed
)

// ImportAccess says whether a script may import importPath, given the
// packages config.yaml opts in.
func ImportAccess(importPath string, allow []string) Access {
	switch {
	case sdkPaths[importPath] || isDefault(importPath):
		return Allowed
	case importPath == "iter": // served as source only (embed.go)
		return Allowed
	case optional(importPath) == nil:
		return Unavailable
	}
	for _, a := range allow {
		if a == importPath {
			return Allowed
		}
	}
	return Refused
}

// CheckAllow verifies that every sandbox.allow entry names a package that
// can be provided to scripts.
func CheckAllow(allow []string) error {
	for _, a := range allow {
		if !isDefault(a) && !sdkPaths[a] && optional(a) == nil {
			return fmt.Errorf("bridge: sandbox.allow %q: %w", a, ErrUnknownPackage)
		}
	}
	return nil
}

func isDefault(importPath string) bool {
	for _, p := range defaultAllowed {
		if p == importPath {
			return true
		}
	}
	return false
}

// stdKeys maps a standard library import path to its key in stdlib.Symbols.
// The "." entry (interface mappings) and stdlib's export of itself are left
// out: through the latter a script could reach every symbol.
var stdKeys = func() map[string]string {
	m := make(map[string]string, len(stdlib.Symbols))
	for k := range stdlib.Symbols {
		p := path.Dir(k)
		if k == "." || strings.HasPrefix(p, "github.com/traefik/yaegi") {
			continue
		}
		m[p] = k
	}
	return m
}()

// optional returns the full symbols of a package sandbox.allow may add, or
// nil when yaegi cannot provide it. These come unfiltered: opting in net/http
// gives its client, os gives file access (os.Exit still only panics).
func optional(importPath string) map[string]reflect.Value {
	switch importPath {
	case "unsafe":
		return stdunsafe.Symbols[key("unsafe", "unsafe")]
	case "syscall":
		return stdsyscall.Symbols[key("syscall", "syscall")]
	case "os/exec":
		return unrestricted.Symbols[key("os/exec", "exec")]
	}
	if k, ok := stdKeys[importPath]; ok {
		return stdlib.Symbols[k]
	}
	return nil
}
