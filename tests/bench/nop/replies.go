package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"

	flatbuffers "github.com/google/flatbuffers/go"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
)

// Frame types.
const (
	typeError        byte = 0
	typePrepareConf  byte = 1
	typeHTTPReqCall  byte = 2
	typeExtraInfo    byte = 3
	typeHTTPRespCall byte = 4
)

// canned is what one prepared conf answers: a reply frame with the id at
// idOff, or, for bench-var, a question and the header the answer goes in.
type canned struct {
	frame []byte
	idOff int

	ask       []byte // ExtraInfo question frame, bench-var only
	varHeader string
}

type kv struct{ name, value string }

// cannedFor builds the answer of a conf entry, as the named plugin would
// compute it.
func cannedFor(name, value string) (*canned, error) {
	switch name {
	case "say":
		var c struct {
			Body string `json:"body"`
		}
		if err := json.Unmarshal([]byte(value), &c); err != nil {
			return nil, fmt.Errorf("nop: say: %w: %w", errBadConf, err)
		}
		return withID(func(b *flatbuffers.Builder, id uint32) { stop(b, id, []kv{{"X-Resp-A6-Runner", "Go"}}, c.Body) })
	case "bench-rewrite":
		var c struct {
			Path    string            `json:"path"`
			Headers map[string]string `json:"headers"`
		}
		if err := json.Unmarshal([]byte(value), &c); err != nil {
			return nil, fmt.Errorf("nop: bench-rewrite: %w: %w", errBadConf, err)
		}
		return withID(func(b *flatbuffers.Builder, id uint32) { rewrite(b, id, c.Path, sorted(c.Headers)) })
	case "bench-var":
		var c struct {
			Var    string `json:"var"`
			Header string `json:"header"`
		}
		if err := json.Unmarshal([]byte(value), &c); err != nil {
			return nil, fmt.Errorf("nop: bench-var: %w: %w", errBadConf, err)
		}
		b := flatbuffers.NewBuilder(64)
		n := b.CreateString(c.Var)
		ei.VarStart(b)
		ei.VarAddName(b, n)
		v := ei.VarEnd(b)
		ei.ReqStart(b)
		ei.ReqAddInfoType(b, ei.InfoVar)
		ei.ReqAddInfo(b, v)
		b.Finish(ei.ReqEnd(b))
		return &canned{ask: appendFrame(nil, typeExtraInfo, b.FinishedBytes()), varHeader: c.Header}, nil
	case "response-rewrite":
		var c struct {
			Headers map[string]string `json:"headers"`
			Body    string            `json:"body"`
		}
		if err := json.Unmarshal([]byte(value), &c); err != nil {
			return nil, fmt.Errorf("nop: response-rewrite: %w: %w", errBadConf, err)
		}
		hdrs := append([]kv{{"X-Resp-A6-Runner", "Go"}}, sorted(c.Headers)...)
		return withID(func(b *flatbuffers.Builder, id uint32) { resp(b, id, hdrs, c.Body) })
	}
	return nil, fmt.Errorf("nop: %w %q", errUnknownPlugin, name)
}

// withID encodes a reply twice, with two ids, to find where the id lies.
func withID(enc func(*flatbuffers.Builder, uint32)) (*canned, error) {
	const idA, idB = 0x5a5a5a5a, 0xa5a5a5a5
	b := flatbuffers.NewBuilder(256)
	enc(b, idA)
	fa := appendFrame(nil, 0, b.FinishedBytes())
	b.Reset()
	enc(b, idB)
	fb := appendFrame(nil, 0, b.FinishedBytes())
	var want [4]byte
	binary.LittleEndian.PutUint32(want[:], idA)
	off := bytes.Index(fa, want[:])
	if len(fa) != len(fb) || off < 0 || binary.LittleEndian.Uint32(fb[off:]) != idB {
		return nil, errNoIDField
	}
	return &canned{frame: fa, idOff: off}, nil
}

func sorted(m map[string]string) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func entries(b *flatbuffers.Builder, kvs []kv, start func(*flatbuffers.Builder, int) flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	offs := make([]flatbuffers.UOffsetT, len(kvs))
	for i, e := range kvs {
		n := b.CreateString(e.name)
		v := b.CreateString(e.value)
		A6.TextEntryStart(b)
		A6.TextEntryAddName(b, n)
		A6.TextEntryAddValue(b, v)
		offs[i] = A6.TextEntryEnd(b)
	}
	start(b, len(offs))
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	return b.EndVector(len(offs))
}

func stop(b *flatbuffers.Builder, id uint32, hdrs []kv, body string) {
	h := entries(b, hdrs, hrc.StopStartHeadersVector)
	bd := b.CreateByteVector([]byte(body))
	hrc.StopStart(b)
	hrc.StopAddStatus(b, 200)
	hrc.StopAddHeaders(b, h)
	hrc.StopAddBody(b, bd)
	finishReq(b, id, hrc.ActionStop, hrc.StopEnd(b))
}

func rewrite(b *flatbuffers.Builder, id uint32, path string, hdrs []kv) {
	var p flatbuffers.UOffsetT
	if path != "" {
		p = b.CreateString(path)
	}
	h := entries(b, hdrs, hrc.RewriteStartHeadersVector)
	hrc.RewriteStart(b)
	if path != "" {
		hrc.RewriteAddPath(b, p)
	}
	hrc.RewriteAddHeaders(b, h)
	finishReq(b, id, hrc.ActionRewrite, hrc.RewriteEnd(b))
}

func finishReq(b *flatbuffers.Builder, id uint32, typ hrc.Action, action flatbuffers.UOffsetT) {
	hrc.RespStart(b)
	hrc.RespAddId(b, id)
	hrc.RespAddActionType(b, typ)
	hrc.RespAddAction(b, action)
	b.Finish(hrc.RespEnd(b))
}

func resp(b *flatbuffers.Builder, id uint32, hdrs []kv, body string) {
	h := entries(b, hdrs, hrsc.RespStartHeadersVector)
	bd := b.CreateByteVector([]byte(body))
	hrsc.RespStart(b)
	hrsc.RespAddId(b, id)
	hrsc.RespAddHeaders(b, h)
	hrsc.RespAddBody(b, bd)
	b.Finish(hrsc.RespEnd(b))
}

// appendFrame appends a frame; bodies here are small and built by this
// program, so the length always fits.
func appendFrame(dst []byte, typ byte, body []byte) []byte {
	n := len(body)
	return append(append(dst, typ, byte(n>>16), byte(n>>8), byte(n)), body...)
}
