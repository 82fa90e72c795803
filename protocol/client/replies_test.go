package client

import (
	flatbuffers "github.com/google/flatbuffers/go"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	"github.com/api7/ext-plugin-proto/go/A6/Err"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
	pc "github.com/api7/ext-plugin-proto/go/A6/PrepareConf"
)

// Builders of runner-side messages, written with the generated code only, as
// a runner would.

func fbEntries(b *flatbuffers.Builder, kvs []KV) flatbuffers.UOffsetT {
	offs := make([]flatbuffers.UOffsetT, len(kvs))
	for i, kv := range kvs {
		n := b.CreateString(kv.Name)
		var v flatbuffers.UOffsetT
		if !kv.NoValue {
			v = b.CreateString(kv.Value)
		}
		A6.TextEntryStart(b)
		A6.TextEntryAddName(b, n)
		if !kv.NoValue {
			A6.TextEntryAddValue(b, v)
		}
		offs[i] = A6.TextEntryEnd(b)
	}
	b.StartVector(4, len(offs), 4)
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	return b.EndVector(len(offs))
}

func fbStop(id uint32, status uint16, hdrs []KV, body []byte) []byte {
	b := flatbuffers.NewBuilder(256)
	h := fbEntries(b, hdrs)
	var bo flatbuffers.UOffsetT
	if body != nil {
		bo = b.CreateByteVector(body)
	}
	hrc.StopStart(b)
	hrc.StopAddStatus(b, status)
	hrc.StopAddHeaders(b, h)
	if body != nil {
		hrc.StopAddBody(b, bo)
	}
	s := hrc.StopEnd(b)
	hrc.RespStart(b)
	hrc.RespAddId(b, id)
	hrc.RespAddActionType(b, hrc.ActionStop)
	hrc.RespAddAction(b, s)
	b.Finish(hrc.RespEnd(b))
	return b.FinishedBytes()
}

type fbRW struct {
	path                   *string
	hdrs, args, respHeader []KV
	body                   []byte
}

func fbRewrite(id uint32, w fbRW) []byte {
	b := flatbuffers.NewBuilder(256)
	var p, bo flatbuffers.UOffsetT
	if w.path != nil {
		p = b.CreateString(*w.path)
	}
	h, a, rh := fbEntries(b, w.hdrs), fbEntries(b, w.args), fbEntries(b, w.respHeader)
	if w.body != nil {
		bo = b.CreateByteVector(w.body)
	}
	hrc.RewriteStart(b)
	if w.path != nil {
		hrc.RewriteAddPath(b, p)
	}
	hrc.RewriteAddHeaders(b, h)
	hrc.RewriteAddArgs(b, a)
	hrc.RewriteAddRespHeaders(b, rh)
	if w.body != nil {
		hrc.RewriteAddBody(b, bo)
	}
	rw := hrc.RewriteEnd(b)
	hrc.RespStart(b)
	hrc.RespAddId(b, id)
	hrc.RespAddActionType(b, hrc.ActionRewrite)
	hrc.RespAddAction(b, rw)
	b.Finish(hrc.RespEnd(b))
	return b.FinishedBytes()
}

func fbReqNone(id uint32, actionType hrc.Action) []byte {
	b := flatbuffers.NewBuilder(64)
	hrc.RespStart(b)
	hrc.RespAddId(b, id)
	hrc.RespAddActionType(b, actionType)
	b.Finish(hrc.RespEnd(b))
	return b.FinishedBytes()
}

func fbRespReply(id uint32, status uint16, hdrs []KV, body []byte) []byte {
	b := flatbuffers.NewBuilder(256)
	h := fbEntries(b, hdrs)
	var bo flatbuffers.UOffsetT
	if body != nil {
		bo = b.CreateByteVector(body)
	}
	hrsc.RespStart(b)
	hrsc.RespAddId(b, id)
	hrsc.RespAddStatus(b, status)
	if len(hdrs) > 0 {
		hrsc.RespAddHeaders(b, h)
	}
	if body != nil {
		hrsc.RespAddBody(b, bo)
	}
	b.Finish(hrsc.RespEnd(b))
	return b.FinishedBytes()
}

func fbErr(code Err.Code) []byte {
	b := flatbuffers.NewBuilder(32)
	Err.RespStart(b)
	Err.RespAddCode(b, code)
	b.Finish(Err.RespEnd(b))
	return b.FinishedBytes()
}

func fbToken(tok uint32) []byte {
	b := flatbuffers.NewBuilder(32)
	pc.RespStart(b)
	pc.RespAddConfToken(b, tok)
	b.Finish(pc.RespEnd(b))
	return b.FinishedBytes()
}

func fbExtraReq(info ei.Info, name string) []byte {
	b := flatbuffers.NewBuilder(64)
	var t flatbuffers.UOffsetT
	switch info {
	case ei.InfoVar:
		n := b.CreateString(name)
		ei.VarStart(b)
		ei.VarAddName(b, n)
		t = ei.VarEnd(b)
	case ei.InfoReqBody:
		ei.ReqBodyStart(b)
		t = ei.ReqBodyEnd(b)
	default:
		ei.RespBodyStart(b)
		t = ei.RespBodyEnd(b)
	}
	ei.ReqStart(b)
	ei.ReqAddInfoType(b, info)
	ei.ReqAddInfo(b, t)
	b.Finish(ei.ReqEnd(b))
	return b.FinishedBytes()
}
