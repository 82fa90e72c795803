package protocol

import (
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
	pc "github.com/api7/ext-plugin-proto/go/A6/PrepareConf"
)

// Go's flatbuffers reader does no bounds checking of its own: an offset in
// a garbage message indexes past the buffer and panics. Each decoder below
// touches every field of its message once under recover, so that a message
// that passes can then be read lazily without risk.

func guard(what string, err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("protocol: %s: %w: %v", what, ErrMalformed, p)
	}
}

// checkHeaders reads every header entry of src once.
func checkHeaders(src entrySource, size int) {
	n := src.HeadersLength()
	checkLen(n, size)
	var e A6.TextEntry
	for i := 0; i < n; i++ {
		if src.Headers(&e, i) {
			_, _ = e.Name(), e.Value()
		}
	}
}

// checkLen refuses a vector longer than its message could hold.
func checkLen(n, size int) {
	if n < 0 || n > size/4 {
		panic(fmt.Sprintf("vector of %d entries in %d bytes", n, size))
	}
}

// decodeReqCall checks an HTTPReqCall.Req and sets req to it.
func decodeReqCall(body []byte, req *hrc.Req) (err error) {
	defer guard("http_req_call", &err)
	if len(body) < 8 {
		return fmt.Errorf("protocol: http_req_call of %d bytes: %w", len(body), ErrMalformed)
	}
	req.Init(body, flatbuffers.GetUOffsetT(body))
	_, _, _, _, _ = req.Id(), req.SrcIpBytes(), req.Method(), req.Path(), req.ConfToken()
	n := req.ArgsLength()
	checkLen(n, len(body))
	var e A6.TextEntry
	for i := 0; i < n; i++ {
		if req.Args(&e, i) {
			_, _ = e.Name(), e.Value()
		}
	}
	checkHeaders(req, len(body))
	return nil
}

// decodeRespCall checks an HTTPRespCall.Req and sets req to it.
func decodeRespCall(body []byte, req *hrsc.Req) (err error) {
	defer guard("http_resp_call", &err)
	if len(body) < 8 {
		return fmt.Errorf("protocol: http_resp_call of %d bytes: %w", len(body), ErrMalformed)
	}
	req.Init(body, flatbuffers.GetUOffsetT(body))
	_, _, _ = req.Id(), req.Status(), req.ConfToken()
	checkHeaders(req, len(body))
	return nil
}

// decodePrepareConf copies a PrepareConf.Req out of the frame.
func decodePrepareConf(body []byte) (key string, raw []rawConf, err error) {
	defer guard("prepare_conf", &err)
	if len(body) < 8 {
		return "", nil, fmt.Errorf("protocol: prepare_conf of %d bytes: %w", len(body), ErrMalformed)
	}
	req := pc.GetRootAsReq(body, 0)
	key = string(req.Key())
	n := req.ConfLength()
	if n < 0 || n > len(body)/4 {
		return "", nil, fmt.Errorf("protocol: prepare_conf: %w: %d entries in %d bytes", ErrMalformed, n, len(body))
	}
	raw = make([]rawConf, 0, n)
	var e A6.TextEntry
	for i := 0; i < n; i++ {
		if req.Conf(&e, i) {
			raw = append(raw, rawConf{name: string(e.Name()), value: string(e.Value())})
		}
	}
	return key, raw, nil
}

// decodeExtraInfoResp copies the result out of an ExtraInfo.Resp. A missing
// result (an unknown variable) is nil.
func decodeExtraInfoResp(body []byte) (res []byte, err error) {
	defer guard("extra_info", &err)
	if len(body) < 8 {
		return nil, fmt.Errorf("protocol: extra_info of %d bytes: %w", len(body), ErrMalformed)
	}
	r := ei.GetRootAsResp(body, 0)
	b := r.ResultBytes()
	if b == nil {
		return nil, nil
	}
	return append([]byte(nil), b...), nil
}
