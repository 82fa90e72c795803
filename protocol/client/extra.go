package client

// ExtraProvider answers the runner's ExtraInfo requests during one call, as
// APISIX answers them from the request's context.
type ExtraProvider interface {
	// Answer returns the result for req. Without ok the reply carries no
	// result (an unknown variable, no body). An error fails the call and
	// closes the connection, as APISIX does when it cannot answer.
	Answer(req ExtraReq) (result []byte, ok bool, err error)
}

// Extra is the usual ExtraProvider: fixed variables and bodies, with a count
// of the round trips of each kind. Reset the counts between calls when they
// matter.
type Extra struct {
	// Vars are the nginx/APISIX variables, e.g. "remote_addr"; a name not in
	// the map is answered without a result.
	Vars map[string]string
	// ReqBody is the request body; nil is answered without a result.
	ReqBody []byte
	// RespBody is the upstream's response body; APISIX has one only in
	// post-resp. nil is answered without a result.
	RespBody []byte

	VarTrips      int
	ReqBodyTrips  int
	RespBodyTrips int
}

var _ ExtraProvider = (*Extra)(nil)

// Answer implements ExtraProvider.
func (x *Extra) Answer(req ExtraReq) ([]byte, bool, error) {
	switch req.Info {
	case InfoVar:
		x.VarTrips++
		v, ok := x.Vars[string(req.Name)]
		if !ok {
			return nil, false, nil
		}
		return []byte(v), true, nil
	case InfoReqBody:
		x.ReqBodyTrips++
		return x.ReqBody, x.ReqBody != nil, nil
	case InfoRespBody:
		x.RespBodyTrips++
		return x.RespBody, x.RespBody != nil, nil
	}
	return nil, false, ErrUnsupportedInfo
}

// Trips is the number of round trips answered since the last Reset.
func (x *Extra) Trips() int { return x.VarTrips + x.ReqBodyTrips + x.RespBodyTrips }

// Reset zeroes the round-trip counts.
func (x *Extra) Reset() { x.VarTrips, x.ReqBodyTrips, x.RespBodyTrips = 0, 0, 0 }

// noExtra answers every request without a result: a context with no
// variables and no body.
type noExtra struct{}

func (noExtra) Answer(req ExtraReq) ([]byte, bool, error) { return nil, false, nil }
