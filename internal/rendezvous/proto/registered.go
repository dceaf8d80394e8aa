package proto

import "net/netip"

// Registered tells a peer (or a federated router) that its Register was
// accepted, with the address the router observed and the router's ID.
type Registered struct {
	Observed netip.AddrPort
	Router   ID
	Cluster  string
}

func (*Registered) Type() Type { return TypeRegistered }

func (f *Registered) appendBody(b []byte) []byte {
	b = appendAddr(b, f.Observed)
	b = append(b, f.Router[:]...)
	return appendStr8(b, f.Cluster)
}

func parseRegistered(p *parser) *Registered {
	f := &Registered{Observed: p.addr()}
	p.copyTo(f.Router[:])
	f.Cluster = p.str8()
	return f
}
