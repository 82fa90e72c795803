package client

import (
	"reflect"
	"testing"
)

func TestRewriteApply(t *testing.T) {
	cases := []struct {
		name  string
		rw    Rewrite
		reqH  []KV
		wantH []KV
		reqA  []KV
		wantA []KV
	}{
		{
			name:  "set replaces, last of a repeated name wins, no value deletes",
			rw:    Rewrite{Headers: []KV{Pair("X-A", "1"), Pair("x-a", "2"), Bare("X-Del"), Pair("Host", "up")}},
			reqH:  []KV{Pair("X-A", "0"), Pair("x-del", "d"), Pair("Keep", "k"), Pair("host", "orig")},
			wantH: []KV{Pair("keep", "k"), Pair("x-a", "2"), Pair("host", "up")},
		},
		{
			name:  "args: first entry replaces, repeats add, no value deletes",
			rw:    Rewrite{Args: []KV{Pair("a", "9"), Pair("a", "10"), Bare("gone"), Pair("new", "n")}},
			reqA:  []KV{Pair("a", "1"), Pair("a", "2"), Pair("gone", "x"), Bare("b")},
			wantA: []KV{Bare("b"), Pair("a", "9"), Pair("a", "10"), Pair("new", "n")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.reqH != nil {
				if got := tc.rw.ApplyHeaders(tc.reqH); !reflect.DeepEqual(got, tc.wantH) {
					t.Errorf("headers %v, want %v", got, tc.wantH)
				}
			}
			if tc.reqA != nil {
				if got := tc.rw.ApplyArgs(tc.reqA); !reflect.DeepEqual(got, tc.wantA) {
					t.Errorf("args %v, want %v", got, tc.wantA)
				}
			}
		})
	}
}
