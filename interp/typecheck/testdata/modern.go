package scripts

import (
	"maps"
	"slices"
	"sync"
	"time"
)

func rewritten(m map[string]int, d time.Duration) (int, []string) {
	n := 0
	for i := range 10 {
		n += i
	}
	for range d {
		n++
	}
	n = min(n, len(m), 3) + max(2, n)
	const c = max(1, 2.5)
	clear(m)
	once := sync.OnceValue(func() int { return 1 })
	n += once()
	p := new(n + 1)
	n = *p
	var fs []func() int
	for _, v := range []int{1, 2} {
		fs = append(fs, func() int { return v })
	}
	for k, v := range maps.All(m) {
		if v == 0 {
			continue
		}
		for range 2 {
			break
		}
		switch k {
		case "stop":
			break
		}
		if v > 9 {
			break
		}
		n += v
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.Sort(keys)
	return n + int(c*2), keys
}
