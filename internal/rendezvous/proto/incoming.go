package proto

// Incoming tells a target that From wants a link; the target answers with
// Answer carrying the same Token.
type Incoming struct {
	Token Token
	From  ID
}

func (*Incoming) Type() Type { return TypeIncoming }

func (f *Incoming) appendBody(b []byte) []byte {
	return append(append(b, f.Token[:]...), f.From[:]...)
}

func parseIncoming(p *parser) *Incoming {
	f := &Incoming{}
	p.copyTo(f.Token[:])
	p.copyTo(f.From[:])
	return f
}
