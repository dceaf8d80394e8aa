package pex

import (
	"bytes"
	"net/netip"
)

// Contact is how other peers can reach a peer: its listening address and/or
// its rendezvous ID (a 20-byte node ID reachable through rendezvous routers).
// A Contact with neither is not shared.
type Contact struct {
	Addr       netip.AddrPort // listening address; invalid if unknown
	Rendezvous [20]byte       // zero if none
	Seed       bool           // has every piece
	Reachable  bool           // we connected to it (an outgoing connection)
}

// key identifies a contact: its address when usable, else its rendezvous ID.
// Exactly one of the fields is set in a valid key.
type key struct {
	addr netip.AddrPort
	rdv  [20]byte
}

var broadcast4 = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// usableAddr returns ap unmapped and without zone, and whether another peer
// could dial it.
func usableAddr(ap netip.AddrPort) (netip.AddrPort, bool) {
	if !ap.IsValid() || ap.Port() == 0 {
		return netip.AddrPort{}, false
	}
	a := ap.Addr().Unmap().WithZone("")
	if a.IsUnspecified() || a.IsMulticast() || a == broadcast4 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a, ap.Port()), true
}

// normalize returns c with its address unmapped, or cleared if not usable.
func normalize(c Contact) Contact {
	c.Addr, _ = usableAddr(c.Addr)
	return c
}

// keyOf returns the key of a normalized contact, and false if it has neither
// an address nor a rendezvous ID.
func keyOf(c Contact) (key, bool) {
	if c.Addr.IsValid() {
		return key{addr: c.Addr}, true
	}
	if c.Rendezvous != ([20]byte{}) {
		return key{rdv: c.Rendezvous}, true
	}
	return key{}, false
}

func compareKeys(a, b key) int {
	if c := a.addr.Compare(b.addr); c != 0 {
		return c
	}
	return bytes.Compare(a.rdv[:], b.rdv[:])
}
