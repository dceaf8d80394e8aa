package proto

// ConnectRequest asks the peer's router for an introduction to Target.
// Req is chosen by the peer and echoed in Introduce or ConnectFail.
type ConnectRequest struct {
	Req    uint64
	Target ID
}

func (*ConnectRequest) Type() Type { return TypeConnectRequest }

func (f *ConnectRequest) appendBody(b []byte) []byte {
	return append(appendU64(b, f.Req), f.Target[:]...)
}

func parseConnectRequest(p *parser) *ConnectRequest {
	f := &ConnectRequest{Req: p.u64()}
	p.copyTo(f.Target[:])
	return f
}
