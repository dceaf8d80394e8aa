package proto

// Answer is a target's reply to Incoming.
type Answer struct {
	Token  Token
	Accept bool
}

func (*Answer) Type() Type { return TypeAnswer }

func (f *Answer) appendBody(b []byte) []byte {
	return appendBool(append(b, f.Token[:]...), f.Accept)
}

func parseAnswer(p *parser) *Answer {
	f := &Answer{}
	p.copyTo(f.Token[:])
	f.Accept = p.boolean()
	return f
}
