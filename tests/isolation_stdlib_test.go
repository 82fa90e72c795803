package tests

import (
	"strings"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// Issue 11, item 3: standard library state is per unit.

// stdlibReport is the body of a filter reporting, as headers, what a unit
// sees of the standard library's variables through its own copies (Own-*)
// and through compiled code that uses the runner's (Runner-*).
const stdlibReport = `
func report(r pluginhttp.Request) {
	h := r.Header()
	// pointer: *time.Local, *base64.StdEncoding
	h.Set("X-Own-Local", time.Local.String()+time.Date(2024, 1, 1, 0, 0, 0, 0, time.Local).Format(" -0700"))
	h.Set("X-Runner-Local", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Local().Format("-0700"))
	h.Set("X-Own-Base64", base64.StdEncoding.EncodeToString([]byte{0xfb, 0xff}))
	b, _ := json.Marshal([]byte{0xfb, 0xff})
	h.Set("X-Runner-Base64", string(b))
	// slice of structs: unicode.CaseRanges
	h.Set("X-Own-Case", string(unicode.SpecialCase(unicode.CaseRanges).ToUpper('é')))
	h.Set("X-Runner-Case", strings.ToUpper("é"))
	// slice of bytes: net.IPv6loopback
	h.Set("X-Own-Loopback", net.IPv6loopback.String())
	h.Set("X-Runner-Loopback", strconv.FormatBool(net.ParseIP("::1").IsLoopback()))
	// map: unicode.Categories
	h.Set("X-Own-Lu", strconv.FormatBool(unicode.Is(unicode.Categories["Lu"], 'A')))
	h.Set("X-Runner-Lu", strconv.FormatBool(unicode.IsUpper('A')))
	// pointer to a struct, through an exported field: unicode.Upper
	h.Set("X-Own-Upper", strconv.FormatBool(unicode.Is(unicode.Upper, 'Z')))
	h.Set("X-Runner-Upper", strconv.FormatBool(unicode.IsUpper('Z')))
}
`

const stdlibImports = `import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)
`

// tamperScript's plugin "tamper" writes through every kind of standard
// library variable on its first call, then reports what it sees.
const tamperScript = `package scripts

` + stdlibImports + `
func init() {
	if err := plugin.RegisterPlugin(&Tamper{}); err != nil {
		panic(err)
	}
}

type Tamper struct{ plugin.DefaultPlugin }

func (*Tamper) Name() string                             { return "tamper" }
func (*Tamper) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func (*Tamper) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	if conf.(string) == "tamper" {
		*time.Local = *time.FixedZone("EVIL", 7*3600)
		*base64.StdEncoding = *base64.URLEncoding
		for i, cr := range unicode.CaseRanges {
			if cr.Lo <= 'é' && 'é' <= cr.Hi {
				unicode.CaseRanges[i].Delta = unicode.CaseRanges[0].Delta
			}
		}
		net.IPv6loopback[15] = 0
		unicode.Categories["Lu"] = unicode.Ll
		unicode.Upper.R16[0].Hi = 'A'
	}
	report(r)
}
` + stdlibReport

// observerScript's plugin "observer" only reports.
const observerScript = `package scripts

` + stdlibImports + `
func init() {
	if err := plugin.RegisterPlugin(&Observer{}); err != nil {
		panic(err)
	}
}

type Observer struct{ plugin.DefaultPlugin }

func (*Observer) Name() string                             { return "observer" }
func (*Observer) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func (*Observer) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	report(r)
}
` + stdlibReport

// TestStdlibVarsPerUnit: a unit writes through time.Local and
// base64.StdEncoding (pointers), unicode.CaseRanges (a slice of structs),
// net.IPv6loopback (a slice of bytes), unicode.Categories (a map) and
// unicode.Upper's ranges (a pointer to a struct): its own view changes,
// while another unit's copies, the standard library as compiled code uses
// it, and the runner's own log timestamps do not.
func TestStdlibVarsPerUnit(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"tamper.go": tamperScript, "observer.go": observerScript})
	c := r.dial()
	observer := prepare(t, c, pc("observer", "x"))
	before := call(t, c, observer, client.ReqCall{ID: 1}, nil).Rewrite.Headers
	// What an untouched unit sees, and what the runner's variables hold.
	want := map[string]string{
		"X-Own-Base64": "+/8=", "X-Runner-Base64": `"+/8="`,
		"X-Own-Case": "É", "X-Runner-Case": "É",
		"X-Own-Loopback": "::1", "X-Runner-Loopback": "true",
		"X-Own-Lu": "true", "X-Runner-Lu": "true",
		"X-Own-Upper": "true", "X-Runner-Upper": "true",
		"X-Own-Local":    one(t, before, "X-Own-Local"),
		"X-Runner-Local": one(t, before, "X-Runner-Local"),
	}
	check := func(what string, got []client.KV) {
		t.Helper()
		for k, v := range want {
			if g := one(t, got, k); g != v {
				t.Errorf("%s: %s = %q, want %q", what, k, g, v)
			}
		}
	}
	check("the observer before", before)
	if strings.Contains(want["X-Own-Local"], "EVIL") {
		t.Fatalf("time.Local is %q before the tamper", want["X-Own-Local"])
	}

	tamper := prepare(t, c, pc("tamper", "tamper"))
	own := call(t, c, tamper, client.ReqCall{ID: 2}, nil).Rewrite.Headers
	// The writes happened, in the tampering unit's own copies.
	for k, v := range map[string]string{
		"X-Own-Local": "EVIL +0700", "X-Own-Base64": "-_8=", "X-Own-Case": "é",
		"X-Own-Loopback": "::", "X-Own-Lu": "false", "X-Own-Upper": "false",
	} {
		if g := one(t, own, k); g != v {
			t.Errorf("the tampering unit: %s = %q, want %q (its write did not take)", k, g, v)
		}
	}
	// Compiled code, even called by the tampering unit, sees the runner's.
	for _, k := range []string{"X-Runner-Local", "X-Runner-Base64", "X-Runner-Case", "X-Runner-Loopback", "X-Runner-Lu", "X-Runner-Upper"} {
		if g := one(t, own, k); g != want[k] {
			t.Errorf("the tampering unit, through compiled code: %s = %q, want %q", k, g, want[k])
		}
	}
	check("the observer after the tamper", call(t, c, observer, client.ReqCall{ID: 3}, nil).Rewrite.Headers)

	// The runner's log timestamps keep their zone.
	r.stop()
	for _, line := range jsonLines(r.out.String()) {
		if ts, _ := line["ts"].(string); strings.Contains(ts, "+07:00") {
			t.Errorf("a runner log line is stamped in the tampered zone: %v", line)
		}
	}
}
