package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"

	"github.com/go-runner/go-runner/protocol/client"
)

// The request an APISIX worker would send for a typical API call: 12
// headers, 3 args, a 40-byte path; the HTTPReqCall frame is about 1.1 KB.
var (
	benchPath = "/api/v1/accounts/7f3a9c21/orders/00042/it" // 40 bytes
	benchArgs = []client.KV{
		client.Pair("page", "2"),
		client.Pair("per_page", "50"),
		client.Pair("sort", "-created_at"),
	}
	benchHeaders = []client.KV{
		client.Pair("host", "api.example.com"),
		client.Pair("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
		client.Pair("accept", "application/json, text/plain, */*"),
		client.Pair("accept-encoding", "gzip, deflate, br"),
		client.Pair("accept-language", "en-US,en;q=0.9,de;q=0.8"),
		client.Pair("authorization", "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3ZjNhOWMyMSIsInNjb3BlIjoib3JkZXJzOnJlYWQiLCJleHAiOjE3MzAwMDAwMDB9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU"),
		client.Pair("cookie", "session=9b1de2a0c47f4e21a6b0f3f1d2e7c845; theme=dark; locale=en-US; _ga=GA1.2.1834567890.1700000000"),
		client.Pair("referer", "https://app.example.com/accounts/7f3a9c21/orders"),
		client.Pair("x-request-id", "3c9f2b1e-8d4a-4f7c-9e21-5a6b7c8d9e0f"),
		client.Pair("x-forwarded-for", "203.0.113.7, 10.20.30.40"),
		client.Pair("x-forwarded-proto", "https"),
		client.Pair("cache-control", "no-cache"),
	}
	benchSrcIP = net.IPv4(203, 0, 113, 7)

	// The upstream response of the post-resp scenario: 10 headers.
	benchRespHeaders = []client.KV{
		client.Pair("content-type", "application/json; charset=utf-8"),
		client.Pair("content-length", "1432"),
		client.Pair("date", "Mon, 25 Nov 2024 20:18:00 GMT"),
		client.Pair("server", "upstream/1.25"),
		client.Pair("cache-control", "private, max-age=0"),
		client.Pair("etag", "W/\"598-8f3c2a1b\""),
		client.Pair("vary", "Accept-Encoding"),
		client.Pair("x-request-id", "3c9f2b1e-8d4a-4f7c-9e21-5a6b7c8d9e0f"),
		client.Pair("x-ratelimit-remaining", "4987"),
		client.Pair("strict-transport-security", "max-age=63072000"),
	}
)

// template is a prebuilt request frame whose id is patched per call.
type template struct {
	frame []byte
	idOff int // offset of the little-endian uint32 id in frame
}

// frameFor encodes the request of a call with id and conf token tok.
func frameFor(resp bool, id, tok uint32) ([]byte, error) {
	var enc client.Encoder
	var body []byte
	typ := client.TypeHTTPReqCall
	if resp {
		typ = client.TypeHTTPRespCall
		body = enc.RespCall(&client.RespCall{ID: id, Status: 200, Headers: benchRespHeaders, ConfToken: tok})
	} else {
		var err error
		body, err = enc.ReqCall(&client.ReqCall{
			ID: id, SrcIP: benchSrcIP, Method: "GET", Path: benchPath,
			Args: benchArgs, Headers: benchHeaders, ConfToken: tok,
		})
		if err != nil {
			return nil, err
		}
	}
	return client.AppendFrame(nil, typ, body)
}

// newTemplate builds the request frame and finds where its id lies, by
// encoding it with two ids and comparing.
func newTemplate(resp bool, tok uint32) (*template, error) {
	const idA, idB = 0x5a5a5a5a, 0xa5a5a5a5
	a, err := frameFor(resp, idA, tok)
	if err != nil {
		return nil, err
	}
	b, err := frameFor(resp, idB, tok)
	if err != nil {
		return nil, err
	}
	if len(a) != len(b) {
		return nil, errNoIDField
	}
	var want [4]byte
	binary.LittleEndian.PutUint32(want[:], idA)
	off := bytes.Index(a, want[:])
	if off < 0 || binary.LittleEndian.Uint32(b[off:]) != idB || bytes.Index(a[off+1:], want[:]) >= 0 {
		return nil, errNoIDField
	}
	// Only the id may differ.
	if !bytes.Equal(a[:off], b[:off]) || !bytes.Equal(a[off+4:], b[off+4:]) {
		return nil, fmt.Errorf("%w: frames differ outside the id", errNoIDField)
	}
	return &template{frame: a, idOff: off}, nil
}

// copyWithID returns a private copy of the frame for one worker.
func (t *template) copyFrame() []byte { return append([]byte(nil), t.frame...) }

// setID patches id into a copy made by copyFrame.
func (t *template) setID(frame []byte, id uint32) {
	binary.LittleEndian.PutUint32(frame[t.idOff:], id)
}
