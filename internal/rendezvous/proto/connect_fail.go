package proto

// ConnectFail tells a requester that its ConnectRequest Req ended without
// an introduction.
type ConnectFail struct {
	Req  uint64
	Code Code
}

func (*ConnectFail) Type() Type { return TypeConnectFail }

func (f *ConnectFail) appendBody(b []byte) []byte {
	return append(appendU64(b, f.Req), byte(f.Code))
}

func parseConnectFail(p *parser) *ConnectFail {
	return &ConnectFail{Req: p.u64(), Code: Code(p.u8())}
}
