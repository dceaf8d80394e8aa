package proto

// ConnectRequest asks the peer's router for an introduction to Target.
// Req is chosen by the peer and echoed in Introduce or ConnectFail.
// Upgrade, when not zero, is the token of a relayed link between the two
// peers that this introduction should replace with a direct one.
type ConnectRequest struct {
	Req     uint64
	Target  ID
	Upgrade Token
}

func (*ConnectRequest) Type() Type { return TypeConnectRequest }

func (f *ConnectRequest) appendBody(b []byte) []byte {
	return append(append(appendU64(b, f.Req), f.Target[:]...), f.Upgrade[:]...)
}

func parseConnectRequest(p *parser) *ConnectRequest {
	f := &ConnectRequest{Req: p.u64()}
	p.copyTo(f.Target[:])
	p.copyTo(f.Upgrade[:])
	return f
}
