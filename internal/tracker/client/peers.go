package client

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// peerList collects peers: it unmaps IPv4-mapped IPv6 addresses, drops
// invalid entries and duplicates, and stops at maxPeers.
type peerList struct {
	peers []netip.AddrPort
	seen  map[netip.AddrPort]struct{}
}

func (l *peerList) add(ap netip.AddrPort) {
	if len(l.peers) >= maxPeers {
		return
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	a := ap.Addr()
	if ap.Port() == 0 || !a.IsValid() || a.IsUnspecified() {
		return
	}
	if a.Zone() != "" {
		return
	}
	if l.seen == nil {
		l.seen = make(map[netip.AddrPort]struct{})
	}
	if _, ok := l.seen[ap]; ok {
		return
	}
	l.seen[ap] = struct{}{}
	l.peers = append(l.peers, ap)
}

// addCompact adds the peers of a compact list: 6-byte entries for IPv4
// (BEP 23) or 18-byte entries for IPv6 (BEP 7), each an address followed
// by a big-endian port. A length that is not a multiple of the entry size
// is an error.
func (l *peerList) addCompact(b []byte, v6 bool) error {
	size := 6
	if v6 {
		size = 18
	}
	if len(b)%size != 0 {
		return fmt.Errorf("%w: compact peers: length %d is not a multiple of %d", ErrMalformed, len(b), size)
	}
	for ; len(b) > 0; b = b[size:] {
		var a netip.Addr
		if v6 {
			a = netip.AddrFrom16([16]byte(b[:16]))
		} else {
			a = netip.AddrFrom4([4]byte(b[:4]))
		}
		l.add(netip.AddrPortFrom(a, binary.BigEndian.Uint16(b[size-2:])))
	}
	return nil
}
