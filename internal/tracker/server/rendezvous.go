package server

import (
	"encoding/binary"
	"encoding/hex"
	"net/netip"

	"shoal/internal/bencode"
	"shoal/internal/bt"
	"shoal/internal/tracker/client"
	"shoal/internal/tracker/registry"
)

// The rendezvous extension of shoal: an HTTP announce may carry the
// announcer's rendezvous contact, "rendezvous" (its node ID, 40 hex
// digits) and "router" (its home router, ID@HOST:PORT); the tracker keeps
// it with the peer and adds to a reply the key "rendezvous", a list of
// dictionaries {id: 20 bytes, peer: compact address, router: string} for
// the returned peers that gave one. Other clients ignore the key. A
// malformed contact is ignored, not refused. UDP announces (BEP 15) have
// no room for it.

// parseRendezvousID decodes the rendezvous parameter; anything but 40 hex
// digits gives the zero ID.
func parseRendezvousID(value string) [20]byte {
	var id [20]byte
	if len(value) != 40 {
		return id
	}
	if _, err := hex.Decode(id[:], []byte(value)); err != nil {
		return [20]byte{}
	}
	return id
}

// parseRouterContact decodes the router parameter; anything but a valid
// contact of at most registry.MaxRouterLen bytes gives "".
func parseRouterContact(value string) string {
	var buf [registry.MaxRouterLen]byte
	b, err := unescape(buf[:0], value)
	if err != nil || !client.ValidRouterContact(string(b)) {
		return ""
	}
	return string(b)
}

// rendezvousOf returns the contacts of those of the returned peers (given
// as peers, or as a compact string of 6-byte or, if v6, 18-byte entries)
// that have one; n is the number of contacts in the swarm, so that swarms
// without any cost nothing.
func (s *Server) rendezvousOf(h bt.InfoHash, n int, peers []registry.Endpoint, compact []byte, v6 bool) []registry.RendezvousPeer {
	if n == 0 || len(peers)+len(compact) == 0 {
		return nil
	}
	addrs := make([]netip.AddrPort, 0, len(peers)+len(compact)/6)
	for _, p := range peers {
		addrs = append(addrs, p.Addr)
	}
	size := 6
	if v6 {
		size = 18
	}
	for ; len(compact) >= size; compact = compact[size:] {
		a, _ := netip.AddrFromSlice(compact[:size-2])
		addrs = append(addrs, netip.AddrPortFrom(a, binary.BigEndian.Uint16(compact[size-2:size])))
	}
	return s.reg.RendezvousOf(h, addrs, nil)
}

// compactOf returns the compact peers of a compact reply, nil otherwise.
func compactOf(compact bool, peers []byte) []byte {
	if compact {
		return peers
	}
	return nil
}

// appendRendezvous writes the "rendezvous" key of a reply, if there is
// anything to say.
func appendRendezvous(dst []byte, rs []registry.RendezvousPeer) []byte {
	if len(rs) == 0 {
		return dst
	}
	dst = append(dst, "10:rendezvousl"...)
	for _, r := range rs {
		dst = append(dst, "d2:id"...)
		dst = bencode.AppendBytes(dst, r.ID[:])
		dst = append(dst, "4:peer"...)
		a := r.Addr.Addr()
		var peer [18]byte
		n := copy(peer[:], a.AsSlice())
		peer[n], peer[n+1] = byte(r.Addr.Port()>>8), byte(r.Addr.Port())
		dst = bencode.AppendBytes(dst, peer[:n+2])
		if r.Router != "" {
			dst = append(dst, "6:router"...)
			dst = bencode.AppendString(dst, r.Router)
		}
		dst = append(dst, 'e')
	}
	return append(dst, 'e')
}
