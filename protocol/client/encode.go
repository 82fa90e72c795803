package client

import (
	"fmt"
	"net"
	"strings"

	flatbuffers "github.com/google/flatbuffers/go"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
	pc "github.com/api7/ext-plugin-proto/go/A6/PrepareConf"
)

var loopback4 = net.IPv4(127, 0, 0, 1).To4()

// Encoder builds the bodies APISIX sends. It reuses one flatbuffers builder:
// a returned body is valid until the next call. An Encoder is not safe for
// concurrent use.
type Encoder struct {
	b       *flatbuffers.Builder
	offs    []flatbuffers.UOffsetT
	scratch []byte
}

// NewEncoder returns an Encoder with a 1 KiB builder.
func NewEncoder() *Encoder {
	return &Encoder{b: flatbuffers.NewBuilder(1024)}
}

func (e *Encoder) reset() *flatbuffers.Builder {
	if e.b == nil {
		e.b = flatbuffers.NewBuilder(1024)
	}
	e.b.Reset()
	return e.b
}

// PrepareConf encodes PrepareConf.Req{key, conf}.
func (e *Encoder) PrepareConf(key string, conf []Conf) []byte {
	b := e.reset()
	k := b.CreateString(key)
	e.offs = e.offs[:0]
	for _, c := range conf {
		n := b.CreateString(c.Name)
		v := b.CreateString(c.Value)
		A6.TextEntryStart(b)
		A6.TextEntryAddName(b, n)
		A6.TextEntryAddValue(b, v)
		e.offs = append(e.offs, A6.TextEntryEnd(b))
	}
	vec := e.vector(len(conf))
	pc.ReqStart(b)
	pc.ReqAddKey(b, k)
	pc.ReqAddConf(b, vec)
	b.Finish(pc.ReqEnd(b))
	return b.FinishedBytes()
}

// ReqCall encodes HTTPReqCall.Req as APISIX does: header names lower-cased,
// at most MaxHeaders headers, args without a value sent without one.
func (e *Encoder) ReqCall(r *ReqCall) ([]byte, error) {
	m := A6.MethodGET
	if r.Method != "" {
		var ok bool
		if m, ok = A6.EnumValuesMethod[r.Method]; !ok {
			return nil, fmt.Errorf("client: %q: %w", r.Method, ErrBadMethod)
		}
	}
	ip := r.SrcIP
	if ip == nil {
		ip = loopback4
	} else if v4 := ip.To4(); v4 != nil {
		ip = v4
	} else {
		ip = ip.To16()
	}
	b := e.reset()
	ipv := b.CreateByteVector(ip)
	path := b.CreateString(r.Path)
	args := e.entries(r.Args, false)
	hdrs := e.entries(capHeaders(r.Headers), true)
	hrc.ReqStart(b)
	hrc.ReqAddId(b, r.ID)
	hrc.ReqAddSrcIp(b, ipv)
	hrc.ReqAddMethod(b, m)
	hrc.ReqAddPath(b, path)
	hrc.ReqAddArgs(b, args)
	hrc.ReqAddHeaders(b, hdrs)
	hrc.ReqAddConfToken(b, r.ConfToken)
	b.Finish(hrc.ReqEnd(b))
	return b.FinishedBytes(), nil
}

// RespCall encodes HTTPRespCall.Req.
func (e *Encoder) RespCall(r *RespCall) []byte {
	b := e.reset()
	hdrs := e.entries(capHeaders(r.Headers), true)
	hrsc.ReqStart(b)
	hrsc.ReqAddId(b, r.ID)
	hrsc.ReqAddStatus(b, uint16(r.Status))
	hrsc.ReqAddHeaders(b, hdrs)
	hrsc.ReqAddConfToken(b, r.ConfToken)
	b.Finish(hrsc.ReqEnd(b))
	return b.FinishedBytes()
}

// ExtraResp encodes ExtraInfo.Resp; without ok the result field is left out,
// as APISIX does for an unknown variable or a missing body.
func (e *Encoder) ExtraResp(result []byte, ok bool) []byte {
	b := e.reset()
	var res flatbuffers.UOffsetT
	if ok {
		res = b.CreateByteVector(result)
	}
	ei.RespStart(b)
	if ok {
		ei.RespAddResult(b, res)
	}
	b.Finish(ei.RespEnd(b))
	return b.FinishedBytes()
}

// frame returns the last encoded body framed as typ. The header goes into
// the free space in front of the builder's data when there is room, so the
// frame is written with one call and no copy.
func (e *Encoder) frame(typ byte) ([]byte, error) {
	h := int(e.b.Head())
	body := e.b.Bytes[h:]
	if h >= HeaderLen {
		f := e.b.Bytes[h-HeaderLen:]
		return f, PutHeader(f, typ, len(body))
	}
	var err error
	e.scratch, err = AppendFrame(e.scratch[:0], typ, body)
	return e.scratch, err
}

// entries builds a vector of TextEntry tables.
func (e *Encoder) entries(kvs []KV, lower bool) flatbuffers.UOffsetT {
	b := e.b
	e.offs = e.offs[:0]
	for _, kv := range kvs {
		name := kv.Name
		if lower {
			name = strings.ToLower(name)
		}
		n := b.CreateString(name)
		var v flatbuffers.UOffsetT
		if !kv.NoValue {
			v = b.CreateString(kv.Value)
		}
		A6.TextEntryStart(b)
		A6.TextEntryAddName(b, n)
		if !kv.NoValue {
			A6.TextEntryAddValue(b, v)
		}
		e.offs = append(e.offs, A6.TextEntryEnd(b))
	}
	return e.vector(len(kvs))
}

// vector ends a vector of the n table offsets in e.offs, first entry first.
func (e *Encoder) vector(n int) flatbuffers.UOffsetT {
	e.b.StartVector(4, n, 4)
	for i := n - 1; i >= 0; i-- {
		e.b.PrependUOffsetT(e.offs[i])
	}
	return e.b.EndVector(n)
}

func capHeaders(h []KV) []KV {
	if len(h) > MaxHeaders {
		return h[:MaxHeaders]
	}
	return h
}
