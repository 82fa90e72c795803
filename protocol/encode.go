package protocol

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	flatbuffers "github.com/google/flatbuffers/go"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	A6Err "github.com/api7/ext-plugin-proto/go/A6/Err"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
	pc "github.com/api7/ext-plugin-proto/go/A6/PrepareConf"
)

// The encoders build a reply into b; the caller frames and sends
// b.FinishedBytes().

func encodeError(b *flatbuffers.Builder, code A6Err.Code) {
	b.Reset()
	A6Err.RespStart(b)
	A6Err.RespAddCode(b, code)
	b.Finish(A6Err.RespEnd(b))
}

func encodePrepareConf(b *flatbuffers.Builder, token uint32) {
	b.Reset()
	pc.RespStart(b)
	pc.RespAddConfToken(b, token)
	b.Finish(pc.RespEnd(b))
}

// encodeEmpty answers a request call that changed nothing.
func encodeEmpty(b *flatbuffers.Builder, id uint32) {
	b.Reset()
	hrc.RespStart(b)
	hrc.RespAddId(b, id)
	b.Finish(hrc.RespEnd(b))
}

func encodeStop(b *flatbuffers.Builder, id uint32, w *responseWriter) {
	b.Reset()
	var hdrs, body flatbuffers.UOffsetT
	if len(w.hdr) > 0 {
		hdrs = headerVector(b, w.hdr, hrc.StopStartHeadersVector, &w.sc)
	}
	if len(w.body) > 0 {
		body = b.CreateByteVector(w.body)
	}
	hrc.StopStart(b)
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	hrc.StopAddStatus(b, uint16(status))
	if hdrs != 0 {
		hrc.StopAddHeaders(b, hdrs)
	}
	if body != 0 {
		hrc.StopAddBody(b, body)
	}
	finishReqCall(b, id, hrc.ActionStop, hrc.StopEnd(b))
}

func encodeRewrite(b *flatbuffers.Builder, id uint32, r *request) {
	b.Reset()
	var path, hdrs, args, resp, body flatbuffers.UOffsetT
	if r.pathSet {
		path = b.CreateByteString(r.newPath)
	}
	if r.hdr.changed() {
		hdrs = requestHeaderVector(b, &r.hdr, &r.sc)
	}
	if names := r.argsChanged(); len(names) > 0 {
		args = argsVector(b, r, names)
	}
	if len(r.respHeader) > 0 {
		resp = headerVector(b, r.respHeader, hrc.RewriteStartRespHeadersVector, &r.sc)
	}
	if r.bodySet {
		body = b.CreateByteVector(r.newBody)
	}
	hrc.RewriteStart(b)
	if r.pathSet {
		hrc.RewriteAddPath(b, path)
	}
	if hdrs != 0 {
		hrc.RewriteAddHeaders(b, hdrs)
	}
	if args != 0 {
		hrc.RewriteAddArgs(b, args)
	}
	if resp != 0 {
		hrc.RewriteAddRespHeaders(b, resp)
	}
	if r.bodySet {
		hrc.RewriteAddBody(b, body)
	}
	finishReqCall(b, id, hrc.ActionRewrite, hrc.RewriteEnd(b))
}

func finishReqCall(b *flatbuffers.Builder, id uint32, typ hrc.Action, action flatbuffers.UOffsetT) {
	hrc.RespStart(b)
	hrc.RespAddId(b, id)
	hrc.RespAddActionType(b, typ)
	hrc.RespAddAction(b, action)
	b.Finish(hrc.RespEnd(b))
}

// encodeResp answers a response call. The reply always carries the
// complete header set, with the plugins' changes: APISIX gives the client
// exactly the headers of a reply that has some, and of one that has none,
// the upstream's minus Content-Type and others. Hop-by-hop headers are left
// to nginx, and so is Content-Length when a plugin replaced the body.
func encodeResp(b *flatbuffers.Builder, id uint32, r *response) {
	b.Reset()
	var hdrs, body flatbuffers.UOffsetT
	if r.hdr.built {
		v := r.hdr.view()
		for k := range v {
			if dropRespHeader(k, r.written) {
				delete(v, k)
			}
		}
		hdrs = headerVector(b, v, hrsc.RespStartHeadersVector, &r.sc)
	} else {
		hdrs = respHeaderVector(b, &r.hdr, &r.sc, r.written)
	}
	if r.written {
		body = b.CreateByteVector(r.body)
	}
	hrsc.RespStart(b)
	hrsc.RespAddId(b, id)
	if r.status != 0 {
		hrsc.RespAddStatus(b, uint16(r.status))
	}
	hrsc.RespAddHeaders(b, hdrs)
	if r.written {
		hrsc.RespAddBody(b, body)
	}
	b.Finish(hrsc.RespEnd(b))
}

// encScratch holds the encoders' temporary slices. The per-connection
// objects that are encoded (responseWriter, request, response) keep one, so
// that encoding a reply allocates nothing once the slices have grown.
type encScratch struct {
	keys []string
	offs []flatbuffers.UOffsetT
	name []byte
}

// sortedKeys returns the names of h, sorted for deterministic replies.
func (s *encScratch) sortedKeys(h http.Header) []string {
	keys := s.keys[:0]
	for k := range h {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		sort.Strings(keys)
	}
	s.keys = keys
	return keys
}

// lowerName creates name lower-cased in b, as strings.ToLower would, without
// allocating for ASCII names.
func (s *encScratch) lowerName(b *flatbuffers.Builder, name string) flatbuffers.UOffsetT {
	s.name = append(s.name[:0], name...)
	for i, c := range s.name {
		switch {
		case c >= utf8.RuneSelf:
			return b.CreateString(strings.ToLower(name))
		case 'A' <= c && c <= 'Z':
			s.name[i] = c + 'a' - 'A'
		}
	}
	return b.CreateByteString(s.name)
}

// headerVector encodes h as TextEntries, one per value.
func headerVector(b *flatbuffers.Builder, h http.Header, start func(*flatbuffers.Builder, int) flatbuffers.UOffsetT, s *encScratch) flatbuffers.UOffsetT {
	offs := s.offs[:0]
	for _, k := range s.sortedKeys(h) {
		vs := h[k]
		if len(vs) == 0 {
			offs = append(offs, textEntryNamed(b, s.lowerName(b, k), nil))
			continue
		}
		for i := range vs {
			offs = append(offs, textEntryNamed(b, s.lowerName(b, k), &vs[i]))
		}
	}
	s.offs = offs
	return vector(b, offs, start)
}

// requestHeaderVector encodes the changed request headers for a Rewrite.
// APISIX sets each entry, replacing the header, so a header with several
// values goes out as one entry with the values joined by ", " (RFC 9110's
// equivalent form). A name without values deletes the header.
func requestHeaderVector(b *flatbuffers.Builder, h *header, s *encScratch) flatbuffers.UOffsetT {
	keys := s.keys[:0]
	for k := range h.dirty {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		sort.Strings(keys)
	}
	s.keys = keys
	offs := s.offs[:0]
	for _, k := range keys {
		name := s.lowerName(b, k)
		switch vs := h.values(k); len(vs) {
		case 0:
			offs = append(offs, textEntryNamed(b, name, nil))
		case 1:
			offs = append(offs, textEntryNamed(b, name, &vs[0]))
		default:
			joined := strings.Join(vs, ", ")
			offs = append(offs, textEntryNamed(b, name, &joined))
		}
	}
	s.offs = offs
	return vector(b, offs, hrc.RewriteStartHeadersVector)
}

// argsVector encodes the changed args: all values of a changed name (the
// first replaces, the others add), or an entry without a value to delete it.
func argsVector(b *flatbuffers.Builder, r *request, names []string) flatbuffers.UOffsetT {
	sort.Strings(names)
	var offs []flatbuffers.UOffsetT
	for _, k := range names {
		vs := r.args[k]
		if len(vs) == 0 {
			offs = append(offs, textEntry(b, k, nil))
			continue
		}
		for i := range vs {
			offs = append(offs, textEntry(b, k, &vs[i]))
		}
	}
	return vector(b, offs, hrc.RewriteStartArgsVector)
}

func textEntry(b *flatbuffers.Builder, name string, value *string) flatbuffers.UOffsetT {
	return textEntryNamed(b, b.CreateString(name), value)
}

// textEntryNamed encodes a TextEntry whose name, n, is already in b.
func textEntryNamed(b *flatbuffers.Builder, n flatbuffers.UOffsetT, value *string) flatbuffers.UOffsetT {
	var v flatbuffers.UOffsetT
	if value != nil {
		v = b.CreateString(*value)
	}
	A6.TextEntryStart(b)
	A6.TextEntryAddName(b, n)
	if value != nil {
		A6.TextEntryAddValue(b, v)
	}
	return A6.TextEntryEnd(b)
}

func vector(b *flatbuffers.Builder, offs []flatbuffers.UOffsetT, start func(*flatbuffers.Builder, int) flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	start(b, len(offs))
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	return b.EndVector(len(offs))
}

// respHeaderVector encodes the complete response header set from the
// frame's entries and the changes made with Set and Del, without building
// the view: the upstream's entries in their order, a changed name at its
// first entry with its new values, then the new names, sorted.
func respHeaderVector(b *flatbuffers.Builder, h *header, s *encScratch, bodyWritten bool) flatbuffers.UOffsetT {
	offs := s.offs[:0]
	var e A6.TextEntry
	var name [64]byte
	n := 0
	if h.src != nil {
		n = h.src.HeadersLength()
	}
	emitted := s.keys[:0] // changed names already emitted
	for i := 0; i < n; i++ {
		if !h.src.Headers(&e, i) {
			continue
		}
		k := canonicalName(name[:0], e.Name())
		if dropRespHeader(k, bodyWritten) {
			continue
		}
		vs, changed := h.pending[k]
		if !changed {
			n := s.lowerBytes(b, e.Name())
			v := b.CreateByteString(e.Value())
			A6.TextEntryStart(b)
			A6.TextEntryAddName(b, n)
			A6.TextEntryAddValue(b, v)
			offs = append(offs, A6.TextEntryEnd(b))
			continue
		}
		if slices.Contains(emitted, k) {
			continue
		}
		emitted = append(emitted, k)
		for j := range vs {
			offs = append(offs, textEntryNamed(b, s.lowerName(b, k), &vs[j]))
		}
	}
	start := len(emitted)
	for k, vs := range h.pending {
		if vs != nil && !slices.Contains(emitted, k) && !dropRespHeader(k, bodyWritten) {
			emitted = append(emitted, k)
		}
	}
	added := emitted[start:]
	sort.Strings(added)
	for _, k := range added {
		vs := h.pending[k]
		for j := range vs {
			offs = append(offs, textEntryNamed(b, s.lowerName(b, k), &vs[j]))
		}
	}
	s.keys, s.offs = emitted, offs
	return vector(b, offs, hrsc.RespStartHeadersVector)
}

// lowerBytes creates name lower-cased in b.
func (s *encScratch) lowerBytes(b *flatbuffers.Builder, name []byte) flatbuffers.UOffsetT {
	s.name = append(s.name[:0], name...)
	for i, c := range s.name {
		switch {
		case c >= utf8.RuneSelf:
			return b.CreateString(strings.ToLower(string(name)))
		case 'A' <= c && c <= 'Z':
			s.name[i] = c + 'a' - 'A'
		}
	}
	return b.CreateByteString(s.name)
}

// dropRespHeader reports whether a response header (canonical name) is left
// out of a post-resp reply: hop-by-hop headers always, Content-Length when
// the body was replaced. nginx writes those itself.
func dropRespHeader(canonical string, bodyWritten bool) bool {
	switch canonical {
	case "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Te", "Trailer", "Proxy-Connection":
		return true
	case "Content-Length":
		return bodyWritten
	}
	return false
}
