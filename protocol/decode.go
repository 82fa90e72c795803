package protocol

import (
	"encoding/binary"
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

// Vtable slots of the TextEntry vectors the decoders check.
const (
	reqArgsSlot     = 12 // HTTPReqCall.Req.args
	reqHeadersSlot  = 14 // HTTPReqCall.Req.headers
	respHeadersSlot = 8  // HTTPRespCall.Req.headers
	entryNameSlot   = 4  // TextEntry.name
	entryValueSlot  = 6  // TextEntry.value
)

// checkEntries checks that the vector of TextEntry tables in slot of tab can
// be read with the generated accessors (Headers(&e, i), e.Name(),
// e.Value()) without indexing past the buffer. It reads the offsets those
// accessors follow directly, which costs a few nanoseconds per entry instead
// of a walk through the accessors, and allocates nothing.
func checkEntries(tab *flatbuffers.Table, slot flatbuffers.VOffsetT) {
	o := flatbuffers.UOffsetT(tab.Offset(slot))
	if o == 0 {
		return
	}
	buf := tab.Bytes
	size := len(buf)
	n := tab.VectorLen(o)
	checkLen(n, size)
	vec := int(tab.Vector(o))
	if vec+4*n > size {
		panic(fmt.Sprintf("vector of %d entries at %d in %d bytes", n, vec, size))
	}
	for i := 0; i < n; i++ {
		p := vec + 4*i
		t := p + int(binary.LittleEndian.Uint32(buf[p:]))
		if t+4 > size {
			panic(fmt.Sprintf("entry %d at %d in %d bytes", i, t, size))
		}
		vt := t - int(int32(binary.LittleEndian.Uint32(buf[t:])))
		if vt < 0 || vt+2 > size {
			panic(fmt.Sprintf("entry %d: vtable at %d in %d bytes", i, vt, size))
		}
		vtLen := int(binary.LittleEndian.Uint16(buf[vt:]))
		for _, f := range [...]int{entryNameSlot, entryValueSlot} {
			if f >= vtLen {
				continue
			}
			if vt+f+2 > size {
				panic(fmt.Sprintf("entry %d: vtable at %d in %d bytes", i, vt, size))
			}
			fo := int(binary.LittleEndian.Uint16(buf[vt+f:]))
			if fo == 0 {
				continue
			}
			fp := t + fo
			if fp+4 > size {
				panic(fmt.Sprintf("entry %d: field at %d in %d bytes", i, fp, size))
			}
			sp := fp + int(binary.LittleEndian.Uint32(buf[fp:]))
			if sp+4 > size || sp+4+int(binary.LittleEndian.Uint32(buf[sp:])) > size {
				panic(fmt.Sprintf("entry %d: string at %d in %d bytes", i, sp, size))
			}
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
	tab := req.Table()
	checkEntries(&tab, reqArgsSlot)
	checkEntries(&tab, reqHeadersSlot)
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
	tab := req.Table()
	checkEntries(&tab, respHeadersSlot)
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
