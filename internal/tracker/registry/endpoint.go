package registry

import (
	"net/netip"
	"time"

	"shoal/internal/bt"
)

// endpointKey is a peer's address without pointers, so that slices and maps
// of them are not scanned by the garbage collector. IPv4 addresses are kept
// in their IPv4-mapped IPv6 form.
type endpointKey struct {
	ip   [16]byte
	port uint16
}

var v4Prefix = [12]byte{10: 0xff, 11: 0xff}

// normalize strips zones and IPv4 mapping and rejects unusable addresses.
func normalize(ap netip.AddrPort) (netip.AddrPort, bool) {
	a := ap.Addr().Unmap().WithZone("")
	if !a.IsValid() || a.IsUnspecified() || ap.Port() == 0 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a, ap.Port()), true
}

func keyOf(ap netip.AddrPort) endpointKey {
	return endpointKey{ip: ap.Addr().As16(), port: ap.Port()}
}

func (k endpointKey) is4() bool { return [12]byte(k.ip[:12]) == v4Prefix }

func (k endpointKey) addrPort() netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom16(k.ip).Unmap(), k.port)
}

// familyOf returns 0 for IPv4 and 1 for IPv6.
func familyOf(ap netip.AddrPort) int {
	if ap.Addr().Is4() {
		return 0
	}
	return 1
}

// entry is one peer in a swarm. It holds no pointers.
type entry struct {
	id         bt.PeerID
	ep         endpointKey
	counted    bool  // completed event already counted
	lastSeen   int64 // unix nanoseconds
	stored     int64 // lastSeen as last handed to the store (or loaded from it)
	uploaded   int64
	downloaded int64
	left       int64
}

func (e *entry) seeder() bool { return e.left == 0 }

func (e *entry) peer() Peer {
	return Peer{
		ID:         e.id,
		Addr:       e.ep.addrPort(),
		Uploaded:   e.uploaded,
		Downloaded: e.downloaded,
		Left:       e.left,
		LastSeen:   time.Unix(0, e.lastSeen),
		Completed:  e.counted,
	}
}

func entryOf(p Peer, ap netip.AddrPort) entry {
	var seen int64
	if !p.LastSeen.IsZero() {
		seen = p.LastSeen.UnixNano()
	}
	return entry{
		id:         p.ID,
		ep:         keyOf(ap),
		counted:    p.Completed,
		lastSeen:   seen,
		stored:     seen,
		uploaded:   p.Uploaded,
		downloaded: p.Downloaded,
		left:       p.Left,
	}
}
