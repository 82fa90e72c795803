package supervisor

import (
	"strings"
	"testing"
)

func TestCrashNamesTheFatalErrorAndItsGoroutine(t *testing.T) {
	for _, tc := range []struct {
		name, stderr string
		line         string
		goroutine    uint64
	}{
		{
			name:      "concurrent map writes",
			stderr:    "{\"level\":\"info\"}\nfatal error: concurrent map writes\n\ngoroutine 34 [running]:\ninternal/runtime/maps.fatal(...)\n\ngoroutine 1 [chan receive]:\n",
			line:      "fatal error: concurrent map writes",
			goroutine: 34,
		},
		{
			name:      "stack overflow",
			stderr:    "runtime: goroutine stack exceeds 67108864-byte limit\nruntime: sp=0xc0200e0390 stack=[0xc0200e0000, 0xc0400e0000]\nfatal error: stack overflow\n\nruntime stack:\nruntime.throw(...)\n\ngoroutine 18 gp=0xc000007a40 m=4 mp=0xc000100008 [running]:\n",
			line:      "runtime: goroutine stack exceeds 67108864-byte limit",
			goroutine: 18,
		},
		{
			name:      "unrecovered panic",
			stderr:    "panic: boom\n\ngoroutine 7 [running]:\nmain.f()\n",
			line:      "panic: boom",
			goroutine: 7,
		},
		{
			name:   "a log line that mentions a goroutine",
			stderr: "goroutine 5 [running]: not a crash\nall is well\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c crash
			var out strings.Builder
			c.relay(strings.NewReader(tc.stderr), &out)
			if out.String() != tc.stderr {
				t.Errorf("relayed %q, want the input unchanged", out.String())
			}
			line, g := c.get()
			if line != tc.line || g != tc.goroutine {
				t.Errorf("crash (%q, %d), want (%q, %d)", line, g, tc.line, tc.goroutine)
			}
			if (tc.line != "") == c.when().IsZero() {
				t.Errorf("when %v with line %q", c.when(), tc.line)
			}
		})
	}
}

func TestCrashRelaysOverlongLines(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	in := long + "\nfatal error: out of memory\ngoroutine 3 [running]:\n"
	var c crash
	var out strings.Builder
	c.relay(strings.NewReader(in), &out)
	if out.String() != in {
		t.Fatalf("relayed %d bytes, want %d", out.Len(), len(in))
	}
	if line, g := c.get(); line != "fatal error: out of memory" || g != 3 {
		t.Fatalf("crash (%q, %d)", line, g)
	}
}
