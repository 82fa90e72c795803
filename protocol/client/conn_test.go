package client

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/api7/ext-plugin-proto/go/A6/Err"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
)

func testOpts(path string) Options {
	return Options{Path: path, IOTimeout: 5 * time.Second}
}

func TestConnExtraInfoLoop(t *testing.T) {
	fr := startFake(t, func(fc *fakeConn, typ byte, body []byte) (byte, []byte) {
		ip := ei.GetRootAsResp(fc.ask(fbExtraReq(ei.InfoVar, "remote_addr")), 0).ResultBytes()
		unknown := ei.GetRootAsResp(fc.ask(fbExtraReq(ei.InfoVar, "nope")), 0).ResultBytes()
		rb := ei.GetRootAsResp(fc.ask(fbExtraReq(ei.InfoReqBody, "")), 0).ResultBytes()
		respb := ei.GetRootAsResp(fc.ask(fbExtraReq(ei.InfoRespBody, "")), 0).ResultBytes()
		hdrs := []KV{Pair("ip", string(ip)), Pair("body", string(rb))}
		if unknown != nil {
			hdrs = append(hdrs, Pair("unknown-present", "yes"))
		}
		if respb != nil {
			hdrs = append(hdrs, Pair("respbody-present", "yes"))
		}
		return TypeHTTPReqCall, fbStop(1, 200, hdrs, nil)
	})
	c, err := Dial(testOpts(fr.path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	x := &Extra{Vars: map[string]string{"remote_addr": "10.9.8.7"}, ReqBody: []byte("payload")}
	var out ReqResult
	for i := 0; i < 2; i++ { // the connection is kept for a second call
		x.Reset()
		if err := c.ReqCall(&ReqCall{ID: 1, Path: "/"}, x, &out); err != nil {
			t.Fatal(err)
		}
		want := []KV{Pair("ip", "10.9.8.7"), Pair("body", "payload")}
		if out.Action != ActionStop || !sameReqResult(ReqResult{Stop: Stop{Headers: out.Stop.Headers}}, ReqResult{Stop: Stop{Headers: want}}) {
			t.Fatalf("call %d: %+v", i, out)
		}
		if out.Trips != 4 || x.VarTrips != 2 || x.ReqBodyTrips != 1 || x.RespBodyTrips != 1 {
			t.Fatalf("call %d: trips %d, var %d, reqbody %d, respbody %d", i, out.Trips, x.VarTrips, x.ReqBodyTrips, x.RespBodyTrips)
		}
	}
}

func TestConnFailures(t *testing.T) {
	cases := []struct {
		name       string
		reply      func(fc *fakeConn) (byte, []byte)
		maxTrips   int
		wantErr    error
		wantBroken bool
	}{
		{
			name:    "rpc error keeps the connection",
			reply:   func(*fakeConn) (byte, []byte) { return TypeError, fbErr(Err.CodeBAD_REQUEST) },
			wantErr: ErrRPC,
		},
		{
			name:       "unexpected type breaks it",
			reply:      func(*fakeConn) (byte, []byte) { return TypePrepareConf, fbToken(1) },
			wantErr:    ErrUnexpectedType,
			wantBroken: true,
		},
		{
			name:       "malformed reply breaks it",
			reply:      func(*fakeConn) (byte, []byte) { return TypeHTTPReqCall, []byte{1} },
			wantErr:    ErrMalformed,
			wantBroken: true,
		},
		{
			name:       "runner closes",
			reply:      func(*fakeConn) (byte, []byte) { return 0, nil },
			wantErr:    io.EOF,
			wantBroken: true,
		},
		{
			name: "unsupported info type",
			reply: func(fc *fakeConn) (byte, []byte) {
				f, _ := AppendFrame(nil, TypeExtraInfo, fbExtraReq(ei.Info(7), ""))
				fc.nc.Write(f)
				return 0, nil
			},
			wantErr:    ErrUnsupportedInfo,
			wantBroken: true,
		},
		{
			name: "too many extra info trips",
			reply: func(fc *fakeConn) (byte, []byte) {
				for i := 0; i < 3; i++ {
					fc.ask(fbExtraReq(ei.InfoReqBody, ""))
				}
				return TypeHTTPReqCall, fbReqNone(1, hrc.ActionNONE)
			},
			maxTrips:   2,
			wantErr:    ErrTooManyTrips,
			wantBroken: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fr := startFake(t, func(fc *fakeConn, typ byte, body []byte) (byte, []byte) { return tc.reply(fc) })
			o := testOpts(fr.path)
			o.MaxExtraTrips = tc.maxTrips
			c, err := Dial(o)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var out ReqResult
			err = c.ReqCall(&ReqCall{}, nil, &out)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if (c.Err() != nil) != tc.wantBroken {
				t.Fatalf("broken %v, want %v", c.Err(), tc.wantBroken)
			}
			if tc.wantBroken {
				if err := c.ReqCall(&ReqCall{}, nil, &out); !errors.Is(err, ErrBroken) {
					t.Fatalf("second call on a broken conn: %v", err)
				}
			}
		})
	}
}

func TestConnRefusesOversizedRequest(t *testing.T) {
	fr := startFake(t, func(fc *fakeConn, typ byte, body []byte) (byte, []byte) {
		return TypeHTTPReqCall, fbReqNone(1, hrc.ActionNONE)
	})
	c, err := Dial(testOpts(fr.path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	big := make([]byte, MaxBodyLen)
	err = c.ReqCall(&ReqCall{Headers: []KV{Pair("x-big", string(big))}}, nil, &ReqResult{})
	if !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("err %v, want ErrFrameTooLarge", err)
	}
	if c.Err() != nil {
		t.Fatalf("nothing was sent, yet the conn is broken: %v", c.Err())
	}
	if err := c.ReqCall(&ReqCall{}, nil, &ReqResult{}); err != nil {
		t.Fatalf("next call: %v", err)
	}
}

func TestReadFrameTruncated(t *testing.T) {
	fr := startFake(t, func(fc *fakeConn, typ byte, body []byte) (byte, []byte) {
		fc.nc.Write([]byte{TypeHTTPReqCall, 0, 0, 10, 1, 2})
		return 0, nil
	})
	c, err := Dial(testOpts(fr.path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.ReqCall(&ReqCall{}, nil, &ReqResult{})
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err %v, want ErrTruncated", err)
	}
}

func TestPutHeaderLimit(t *testing.T) {
	var h [HeaderLen]byte
	if err := PutHeader(h[:], TypeHTTPReqCall, MaxBodyLen); err != nil || h != [4]byte{2, 0xff, 0xff, 0xff} {
		t.Fatalf("max: %x %v", h, err)
	}
	if err := PutHeader(h[:], TypeHTTPReqCall, MaxBodyLen+1); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("max+1: %v", err)
	}
}
