package proto

import "crypto/ed25519"

// LinkHello is the first frame each peer sends on a new link: its public
// key and a signature over the pair token and both IDs, so each side knows
// it talks to the peer the routers introduced.
type LinkHello struct {
	Token     Token
	PublicKey [ed25519.PublicKeySize]byte
	Sig       [ed25519.SignatureSize]byte
}

func (*LinkHello) Type() Type { return TypeLinkHello }

func (f *LinkHello) appendBody(b []byte) []byte {
	b = append(b, f.Token[:]...)
	b = append(b, f.PublicKey[:]...)
	return append(b, f.Sig[:]...)
}

func parseLinkHello(p *parser) *LinkHello {
	f := &LinkHello{}
	p.copyTo(f.Token[:])
	p.copyTo(f.PublicKey[:])
	p.copyTo(f.Sig[:])
	return f
}

// LinkMessage is what a LinkHello signature covers.
func LinkMessage(t Token, signer, peer ID) []byte {
	b := append([]byte(nil), t[:]...)
	b = append(b, signer[:]...)
	return append(b, peer[:]...)
}

// NewLinkHello signs the pair token for the link from priv's owner to peer.
func NewLinkHello(priv ed25519.PrivateKey, t Token, peer ID) *LinkHello {
	f := &LinkHello{Token: t}
	copy(f.PublicKey[:], priv.Public().(ed25519.PublicKey))
	f.Sig = Sign(priv, DomainLink, LinkMessage(t, KeyID(priv), peer))
	return f
}

// Verify reports whether f was made by the peer with ID from for the link
// to self on token t.
func (f *LinkHello) Verify(t Token, from, self ID) bool {
	return f.Token == t && IDOf(f.PublicKey[:]) == from &&
		Verify(f.PublicKey[:], DomainLink, LinkMessage(t, from, self), f.Sig[:])
}
