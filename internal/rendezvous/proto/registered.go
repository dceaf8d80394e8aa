package proto

import (
	"crypto/ed25519"
	"net/netip"
)

// Registered tells a peer (or a federated router) that its Register was
// accepted, with the address the router observed and the router's ID,
// public key and signature over the registration's nonce, so that a peer
// that pins its router's ID can check it talks to that router. A peer's
// relay leg gets one too, after its RelayBind.
type Registered struct {
	Observed  netip.AddrPort
	Router    ID
	Cluster   string
	PublicKey [ed25519.PublicKeySize]byte
	Sig       [ed25519.SignatureSize]byte
}

func (*Registered) Type() Type { return TypeRegistered }

func (f *Registered) appendSigned(b []byte) []byte {
	b = appendAddr(b, f.Observed)
	b = append(b, f.Router[:]...)
	b = appendStr8(b, f.Cluster)
	return append(b, f.PublicKey[:]...)
}

func (f *Registered) appendBody(b []byte) []byte {
	return append(f.appendSigned(b), f.Sig[:]...)
}

func parseRegistered(p *parser) *Registered {
	f := &Registered{Observed: p.addr()}
	p.copyTo(f.Router[:])
	f.Cluster = p.str8()
	p.copyTo(f.PublicKey[:])
	p.copyTo(f.Sig[:])
	return f
}

// signedMessage is what the router signs: every field but Sig, the
// registration's nonce and the registering key.
func (f *Registered) signedMessage(r *Register) []byte {
	b := f.appendSigned(nil)
	b = append(b, r.Nonce[:]...)
	return append(b, r.PublicKey[:]...)
}

// Sign fills in the router's ID, public key and signature for the
// registration r.
func (f *Registered) Sign(priv ed25519.PrivateKey, r *Register) {
	copy(f.PublicKey[:], priv.Public().(ed25519.PublicKey))
	f.Router = KeyID(priv)
	f.Sig = Sign(priv, DomainRegistered, f.signedMessage(r))
}

// Verify reports whether f was signed by the router with ID router for
// the registration r.
func (f *Registered) Verify(r *Register, router ID) bool {
	return f.Router == router && IDOf(f.PublicKey[:]) == router &&
		Verify(f.PublicKey[:], DomainRegistered, f.signedMessage(r), f.Sig[:])
}
