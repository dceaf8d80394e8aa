package proto

// Incoming tells a target that From wants a link; the target answers with
// Answer carrying the same Token. Upgrade, when not zero, names the
// relayed link between the two that the new link would replace.
type Incoming struct {
	Token   Token
	From    ID
	Upgrade Token
}

func (*Incoming) Type() Type { return TypeIncoming }

func (f *Incoming) appendBody(b []byte) []byte {
	return append(append(append(b, f.Token[:]...), f.From[:]...), f.Upgrade[:]...)
}

func parseIncoming(p *parser) *Incoming {
	f := &Incoming{}
	p.copyTo(f.Token[:])
	p.copyTo(f.From[:])
	p.copyTo(f.Upgrade[:])
	return f
}
