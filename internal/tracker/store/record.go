package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// On-disk record layout, all integers big-endian.
//
//	peer key:   info hash (20) | IPv6 or IPv4-mapped address (16) | port (2)
//	peer value: version (1) | flags (1) | peer id (20) | uploaded (8) |
//	            downloaded (8) | left (8) | last seen, unix ns (8)
//	            [| rendezvous ID (20) | router length (2) | router]
//	completed key: info hash (20); value: count (8)
//
// The rendezvous part is there only when flagRendezvous is set: values
// without it are the same as before it existed.
const (
	peerKeyLen           = 20 + 16 + 2
	peerValueLen         = 1 + 1 + 20 + 8 + 8 + 8 + 8
	rendezvousLen        = 20 + 2 // before the router
	maxPeerValueLen      = peerValueLen + rendezvousLen + registry.MaxRouterLen
	completedValLen      = 8
	recordVersion        = 1
	flagCompleted        = 1 << 0
	flagRendezvous       = 1 << 1
	knownFlags      byte = flagCompleted | flagRendezvous
)

var errRecord = errors.New("store: malformed record")

func appendPeerKey(dst []byte, h bt.InfoHash, ap netip.AddrPort) []byte {
	ip := ap.Addr().Unmap().As16()
	dst = append(dst, h[:]...)
	dst = append(dst, ip[:]...)
	return binary.BigEndian.AppendUint16(dst, ap.Port())
}

func parsePeerKey(k []byte) (bt.InfoHash, netip.AddrPort, error) {
	var h bt.InfoHash
	if len(k) != peerKeyLen {
		return h, netip.AddrPort{}, fmt.Errorf("%w: key length %d", errRecord, len(k))
	}
	copy(h[:], k[:20])
	ip := netip.AddrFrom16([16]byte(k[20:36])).Unmap()
	port := binary.BigEndian.Uint16(k[36:38])
	return h, netip.AddrPortFrom(ip, port), nil
}

func appendPeerValue(dst []byte, p registry.Peer) []byte {
	var flags byte
	if p.Completed {
		flags |= flagCompleted
	}
	rdv := p.Rendezvous
	if len(rdv.Router) > registry.MaxRouterLen {
		rdv.Router = ""
	}
	if !rdv.IsZero() {
		flags |= flagRendezvous
	}
	var seen int64
	if !p.LastSeen.IsZero() {
		seen = p.LastSeen.UnixNano()
	}
	dst = append(dst, recordVersion, flags)
	dst = append(dst, p.ID[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Uploaded))
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Downloaded))
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Left))
	dst = binary.BigEndian.AppendUint64(dst, uint64(seen))
	if rdv.IsZero() {
		return dst
	}
	dst = append(dst, rdv.ID[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(rdv.Router)))
	return append(dst, rdv.Router...)
}

// parsePeerValue decodes a peer value; addr comes from the key.
func parsePeerValue(v []byte, addr netip.AddrPort) (registry.Peer, error) {
	var p registry.Peer
	if len(v) < peerValueLen {
		return p, fmt.Errorf("%w: value length %d", errRecord, len(v))
	}
	if v[0] != recordVersion {
		return p, fmt.Errorf("%w: version %d", errRecord, v[0])
	}
	if v[1]&^knownFlags != 0 {
		return p, fmt.Errorf("%w: flags %#x", errRecord, v[1])
	}
	if err := parseRendezvous(v[peerValueLen:], v[1]&flagRendezvous != 0, &p.Rendezvous); err != nil {
		return p, err
	}
	p.Addr = addr
	p.Completed = v[1]&flagCompleted != 0
	copy(p.ID[:], v[2:22])
	p.Uploaded = int64(binary.BigEndian.Uint64(v[22:30]))
	p.Downloaded = int64(binary.BigEndian.Uint64(v[30:38]))
	p.Left = int64(binary.BigEndian.Uint64(v[38:46]))
	if seen := int64(binary.BigEndian.Uint64(v[46:54])); seen != 0 {
		p.LastSeen = time.Unix(0, seen)
	}
	return p, nil
}

// parseRendezvous decodes the rendezvous part of a peer value: b must be
// empty unless has, and then exactly one rendezvous part with a non-zero ID.
func parseRendezvous(b []byte, has bool, r *registry.Rendezvous) error {
	if !has {
		if len(b) != 0 {
			return fmt.Errorf("%w: value length %d", errRecord, peerValueLen+len(b))
		}
		return nil
	}
	if len(b) < rendezvousLen {
		return fmt.Errorf("%w: rendezvous of %d bytes", errRecord, len(b))
	}
	n := int(binary.BigEndian.Uint16(b[20:22]))
	if n > registry.MaxRouterLen || len(b) != rendezvousLen+n {
		return fmt.Errorf("%w: rendezvous of %d bytes, router of %d", errRecord, len(b), n)
	}
	copy(r.ID[:], b[:20])
	if r.IsZero() {
		return fmt.Errorf("%w: zero rendezvous ID", errRecord)
	}
	r.Router = string(b[rendezvousLen:])
	return nil
}

func parseCompleted(k, v []byte) (bt.InfoHash, uint64, error) {
	var h bt.InfoHash
	if len(k) != len(h) || len(v) != completedValLen {
		return h, 0, fmt.Errorf("%w: completed record %d/%d bytes", errRecord, len(k), len(v))
	}
	copy(h[:], k)
	return h, binary.BigEndian.Uint64(v), nil
}
