// Package prepared holds what a plugin builds once, in ParseConf, and applies
// with one call per request: a whole reply (Reply), a request rewrite
// (Rewrite), an edit of the upstream's response (ResponseEdit), a set of
// header edits (Headers) and a set of query argument edits (Args).
//
// In a script every call into the runner's objects (w.Header(), Set, Write,
// WriteHeader) crosses from the interpreter into compiled code, and each
// crossing, each local and each []byte(string) conversion costs time and
// allocations per request. A prepared value does that work on the compiled
// side: the script makes one call, whatever the reply or edit holds.
//
//	// ParseConf
//	c.reply = prepared.NewReply(200, http.Header{"Content-Type": {"text/plain"}}, []byte(c.Body))
//	// RequestFilter
//	if err := c.reply.Send(w); err != nil { ... }
//
// Contract: a prepared value is immutable once made, so one value serves every
// call of every connection at once. The constructors copy what they are
// given. Send shares the reply's header values with the writer's header map
// (without spare capacity, so an append copies them): a plugin must not change
// those values in place after Send. Compiled plugins use the package as it
// is; scripts import it by the same path. The reference runner's API has no
// such package.
package prepared
