package proto

// RelayBind is the first frame after registration on a relay leg: it names
// the pair whose bytes this connection carries. On a peer's leg the router
// answers with a Registered signed for the leg's Register, before any
// relayed byte; on a router's leg both routers already proved their keys.
type RelayBind struct{ Token Token }

func (*RelayBind) Type() Type                   { return TypeRelayBind }
func (f *RelayBind) appendBody(b []byte) []byte { return append(b, f.Token[:]...) }

func parseRelayBind(p *parser) *RelayBind {
	f := &RelayBind{}
	p.copyTo(f.Token[:])
	return f
}
