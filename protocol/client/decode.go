package client

import (
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	"github.com/api7/ext-plugin-proto/go/A6/Err"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
	pc "github.com/api7/ext-plugin-proto/go/A6/PrepareConf"
)

// Info is the kind of an ExtraInfo request (the union tag on the wire).
type Info uint8

// Info kinds.
const (
	InfoVar      = Info(ei.InfoVar)
	InfoReqBody  = Info(ei.InfoReqBody)
	InfoRespBody = Info(ei.InfoRespBody)
)

func (i Info) String() string { return ei.Info(i).String() }

// ExtraReq is a decoded ExtraInfo request of the runner.
type ExtraReq struct {
	Info Info
	// Name of the variable for InfoVar. It aliases the frame buffer: valid
	// until the connection reads again.
	Name []byte
}

// The generated readers index the buffer without checks; a body that is not
// what it claims makes them panic. Decoders turn that into ErrMalformed.
func recoverMalformed(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("client: %s: %w: %v", what, ErrMalformed, r)
	}
}

func rootPos(body []byte, what string) (flatbuffers.UOffsetT, error) {
	if len(body) < flatbuffers.SizeUOffsetT {
		return 0, fmt.Errorf("client: %s of %d bytes: %w", what, len(body), ErrMalformed)
	}
	return flatbuffers.GetUOffsetT(body), nil
}

// DecodeError decodes the body of an RPC_ERROR frame.
func DecodeError(body []byte) (rpc *RPCError, err error) {
	defer recoverMalformed(&err, "rpc error")
	pos, err := rootPos(body, "rpc error")
	if err != nil {
		return nil, err
	}
	var r Err.Resp
	r.Init(body, pos)
	return &RPCError{Code: r.Code()}, nil
}

// DecodePrepareResp decodes PrepareConf.Resp and returns the conf token.
func DecodePrepareResp(body []byte) (token uint32, err error) {
	defer recoverMalformed(&err, "prepare_conf reply")
	pos, err := rootPos(body, "prepare_conf reply")
	if err != nil {
		return 0, err
	}
	var r pc.Resp
	r.Init(body, pos)
	return r.ConfToken(), nil
}

// DecodeReqResp decodes HTTPReqCall.Resp into out, reusing its slices.
// Unlike APISIX, which ignores an action type it does not know, it reports
// one as ErrMalformed.
func DecodeReqResp(body []byte, out *ReqResult) (err error) {
	defer recoverMalformed(&err, "http_req_call reply")
	pos, err := rootPos(body, "http_req_call reply")
	if err != nil {
		return err
	}
	out.reset()
	var r hrc.Resp
	r.Init(body, pos)
	out.ID = r.Id()
	at := r.ActionType()
	if at == hrc.ActionNONE {
		return nil
	}
	var t flatbuffers.Table
	if !r.Action(&t) {
		return fmt.Errorf("client: http_req_call reply: %w: action %s without its table", ErrMalformed, at)
	}
	switch at {
	case hrc.ActionStop:
		var s hrc.Stop
		s.Init(t.Bytes, t.Pos)
		out.Action = ActionStop
		st := &out.Stop
		st.WireStatus = s.Status()
		st.Status = int(st.WireStatus)
		if st.Status == 0 {
			st.Status = 200
		}
		st.Headers = appendEntries(st.Headers, s.HeadersLength(), s.Headers)
		st.Body = append(st.Body, s.BodyBytes()...)
	case hrc.ActionRewrite:
		var w hrc.Rewrite
		w.Init(t.Bytes, t.Pos)
		out.Action = ActionRewrite
		rw := &out.Rewrite
		if p := w.Path(); p != nil {
			rw.Path, rw.HasPath = string(p), true
		}
		rw.Headers = appendEntries(rw.Headers, w.HeadersLength(), w.Headers)
		rw.Args = appendEntries(rw.Args, w.ArgsLength(), w.Args)
		rw.RespHeaders = appendEntries(rw.RespHeaders, w.RespHeadersLength(), w.RespHeaders)
		if b := w.BodyBytes(); b != nil {
			rw.Body, rw.HasBody = append(rw.Body, b...), true
		}
	default:
		return fmt.Errorf("client: http_req_call reply: %w: action %s", ErrMalformed, at)
	}
	return nil
}

// DecodeRespResp decodes HTTPRespCall.Resp into out, reusing its slices.
func DecodeRespResp(body []byte, out *RespResult) (err error) {
	defer recoverMalformed(&err, "http_resp_call reply")
	pos, err := rootPos(body, "http_resp_call reply")
	if err != nil {
		return err
	}
	out.reset()
	var r hrsc.Resp
	r.Init(body, pos)
	out.ID = r.Id()
	out.Status = int(r.Status())
	out.Headers = appendEntries(out.Headers, r.HeadersLength(), r.Headers)
	if b := r.BodyBytes(); b != nil {
		out.Body, out.HasBody = append(out.Body, b...), true
	}
	return nil
}

// DecodeExtraReq decodes ExtraInfo.Req. An info type outside the union is
// ErrUnsupportedInfo, as it is for APISIX.
func DecodeExtraReq(body []byte) (req ExtraReq, err error) {
	defer recoverMalformed(&err, "extra_info request")
	pos, err := rootPos(body, "extra_info request")
	if err != nil {
		return req, err
	}
	var r ei.Req
	r.Init(body, pos)
	req.Info = Info(r.InfoType())
	switch req.Info {
	case InfoVar:
		var t flatbuffers.Table
		if !r.Info(&t) {
			return req, fmt.Errorf("client: extra_info request: %w: var without its table", ErrMalformed)
		}
		var v ei.Var
		v.Init(t.Bytes, t.Pos)
		req.Name = v.Name()
	case InfoReqBody, InfoRespBody:
	default:
		return req, fmt.Errorf("client: extra_info request: %w: %s", ErrUnsupportedInfo, req.Info)
	}
	return req, nil
}

func appendEntries(dst []KV, n int, at func(*A6.TextEntry, int) bool) []KV {
	var e A6.TextEntry
	for i := 0; i < n; i++ {
		if !at(&e, i) {
			break
		}
		kv := KV{Name: string(e.Name())}
		if v := e.Value(); v != nil {
			kv.Value = string(v)
		} else {
			kv.NoValue = true
		}
		dst = append(dst, kv)
	}
	return dst
}

func (r *ReqResult) reset() {
	st, rw := &r.Stop, &r.Rewrite
	*r = ReqResult{
		Stop: Stop{Headers: st.Headers[:0], Body: st.Body[:0]},
		Rewrite: Rewrite{
			Headers: rw.Headers[:0], Args: rw.Args[:0],
			RespHeaders: rw.RespHeaders[:0], Body: rw.Body[:0],
		},
	}
}

func (r *RespResult) reset() {
	*r = RespResult{Headers: r.Headers[:0], Body: r.Body[:0]}
}
