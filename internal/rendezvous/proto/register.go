package proto

import (
	"crypto/ed25519"
	"net/netip"
)

// Purpose says what a connection is for; it is part of the signed
// registration so a signature for one purpose cannot be reused for
// another.
type Purpose uint8

// The purposes.
const (
	PurposePeer     Purpose = 1 // a peer's control connection
	PurposeRelay    Purpose = 2 // one leg of a relayed link
	PurposeFederate Purpose = 3 // a router's federation connection
)

// Register answers a Challenge: the sender's public key, its private
// (LAN) listen address, whether it believes it accepts inbound
// connections, a nonce the router signs in Registered (so a peer can
// check the router's key), and a signature over all of it and the
// challenge.
type Register struct {
	Purpose   Purpose
	PublicKey [ed25519.PublicKeySize]byte
	Private   netip.AddrPort
	Reachable bool
	Nonce     [NonceLen]byte
	Sig       [ed25519.SignatureSize]byte
}

func (*Register) Type() Type { return TypeRegister }

func (f *Register) appendSigned(b []byte) []byte {
	b = append(b, byte(f.Purpose))
	b = append(b, f.PublicKey[:]...)
	b = appendAddr(b, f.Private)
	b = appendBool(b, f.Reachable)
	return append(b, f.Nonce[:]...)
}

func (f *Register) appendBody(b []byte) []byte {
	return append(f.appendSigned(b), f.Sig[:]...)
}

func parseRegister(p *parser) *Register {
	f := &Register{Purpose: Purpose(p.u8())}
	if f.Purpose < PurposePeer || f.Purpose > PurposeFederate {
		p.bad = true
	}
	p.copyTo(f.PublicKey[:])
	f.Private = p.addr()
	f.Reachable = p.boolean()
	p.copyTo(f.Nonce[:])
	p.copyTo(f.Sig[:])
	return f
}

// SignedMessage is what the signature of f covers: the whole challenge
// (nonce, observed address, cluster) and every field of f but Sig.
func (f *Register) SignedMessage(c *Challenge) []byte {
	return f.appendSigned(c.appendBody(nil))
}

// Sign fills in the public key and signature for the challenge c.
func (f *Register) Sign(priv ed25519.PrivateKey, c *Challenge) {
	copy(f.PublicKey[:], priv.Public().(ed25519.PublicKey))
	f.Sig = Sign(priv, DomainRegister, f.SignedMessage(c))
}

// Verify checks the signature against c and returns the sender's ID.
func (f *Register) Verify(c *Challenge) (ID, bool) {
	if !Verify(f.PublicKey[:], DomainRegister, f.SignedMessage(c), f.Sig[:]) {
		return ID{}, false
	}
	return IDOf(f.PublicKey[:]), true
}
