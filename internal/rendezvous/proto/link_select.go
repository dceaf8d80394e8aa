package proto

// LinkSelect is sent by the peer with the lower ID on the one socket it
// keeps when several attempts succeeded; the other side keeps the socket
// it arrives on and closes the rest. Via is the strategy that made the
// socket, or 0 when it is relayed, so both sides report the same kind.
type LinkSelect struct {
	Token Token
	Via   Strategy
}

func (*LinkSelect) Type() Type { return TypeLinkSelect }

func (f *LinkSelect) appendBody(b []byte) []byte {
	return append(append(b, f.Token[:]...), byte(f.Via))
}

func parseLinkSelect(p *parser) *LinkSelect {
	f := &LinkSelect{}
	p.copyTo(f.Token[:])
	f.Via = Strategy(p.u8())
	if f.Via > StrategySimOpen {
		p.bad = true
	}
	return f
}
