package proto

// Done tells a router that the pair Token has a direct link, so the router
// forgets it.
type Done struct{ Token Token }

func (*Done) Type() Type                   { return TypeDone }
func (f *Done) appendBody(b []byte) []byte { return append(b, f.Token[:]...) }

func parseDone(p *parser) *Done {
	f := &Done{}
	p.copyTo(f.Token[:])
	return f
}
