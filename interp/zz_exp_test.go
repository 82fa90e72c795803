package interp

import (
	"fmt"
	"testing"
)

func TestZZExp(t *testing.T) {
	cases := map[string]string{
		"slicesContainsNamed": `type IDs []string; ids := IDs{"a"}; x := slices.Contains(ids, "a"); if !x {panic(1)}`,
		"slicesSort": `s := []int{3,1}; slices.Sort(s); if s[0] != 1 { panic(s) }`,
		"slicesSortFunc": `s := []string{"bb","a"}; slices.SortFunc(s, func(a, b string) int { return cmp.Compare(len(a), len(b)) }); if s[0] != "a" { panic(s) }`,
		"slicesReverse": `s := []int{3,1}; slices.Reverse(s); if s[0] != 1 { panic(s) }`,
		"slicesMax": `if slices.Max([]int{1,5,2}) != 5 {panic(1)}`,
		"slicesSorted": `m := map[string]int{"b":1,"a":2}; c := slices.Sorted(maps.Keys(m)); if c[0] != "a" {panic(c)}`,
		"mapsClone": `c := maps.Clone(map[string]int{"a":1}); if c["a"] != 1 {panic(c)}`,
		"cmpOr": `if cmp.Or("", "x") != "x" {panic(1)}`,
		"seqType": `var s iter.Seq[int] = slices.Values([]int{1}); n := 0; s(func(v int) bool { n++; return true }); if n != 1 {panic(n)}`,
		"rangeInt": `n := 0; for i := range 3 { n += i }; if n != 3 {panic(n)}`,
		"rangeIntNoKey": `n := 0; for range 3 { n++ }; if n != 3 {panic(n)}`,
		"rangeIntTyped": `n := time.Duration(0); var k time.Duration = 3; for i := range k { n += i }; if n != 3 {panic(n)}`,
		"minmax": `a, b := 3, 5; if min(a, b, 4) != 3 || max(a, b) != 5 || max(2.5, float64(a)) != 3 {panic(1)}; const c = min(3, 7); if c != 3 {panic(2)}`,
		"clear": `m := map[string]int{"a":1}; clear(m); s := []int{1,2}; clear(s); if len(m) != 0 || s[1] != 0 {panic(1)}`,
		"rangeFunc": `for v := range slices.Values([]int{1}) { _ = v }`,
		"splitSeq": `for p := range strings.SplitSeq("a,b", ",") { _ = p }`,
		"httpGet": `_, _ = http.Get("http://x")`,
		"insert": `c := slices.Insert([]int{1,2}, 1, 9); if c[1] != 9 {panic(c)}`,
		"replace": `c := slices.Replace([]int{1,2}, 0, 1, 9); if c[0] != 9 {panic(c)}`,
		"concat": `c := slices.Concat([]int{1}, []int{2}); if len(c) != 2 {panic(c)}`,
		"typeErr": `var x int = "s"; _ = x`,
	}
	for name, body := range cases {
		src := `package scripts

import (
	"cmp"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"github.com/go-runner/go-runner/sdk/plugin"
)

var _ = fmt.Sprint
var _ = strings.Cut
var _ = time.Now
var _ = http.StatusOK

func init() {
` + body + `
	plugin.RegisterPlugin(&P{})
}

type P struct{ plugin.DefaultPlugin }
func (*P) Name() string { return "p" }
func (*P) ParseConf(in []byte) (interface{}, error) { return nil, nil }
`
		cfg, _ := observed("")
		_, err := loadOne(t, cfg, "p.go", map[string]string{"p.go": src})
		fmt.Printf("%s: %v\n", name, err)
	}
}
