package proto

import "net/netip"

// NonceLen is the length of a challenge nonce.
const NonceLen = 32

// Challenge is the first frame a router sends on every connection: a fresh
// nonce, the address it sees the connection coming from, and its cluster.
type Challenge struct {
	Nonce    [NonceLen]byte
	Observed netip.AddrPort
	Cluster  string // at most 255 bytes
}

func (*Challenge) Type() Type { return TypeChallenge }

func (f *Challenge) appendBody(b []byte) []byte {
	b = append(b, f.Nonce[:]...)
	b = appendAddr(b, f.Observed)
	return appendStr8(b, f.Cluster)
}

func parseChallenge(p *parser) *Challenge {
	f := &Challenge{}
	p.copyTo(f.Nonce[:])
	f.Observed = p.addr()
	f.Cluster = p.str8()
	return f
}
