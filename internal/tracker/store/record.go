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
//	completed key: info hash (20); value: count (8)
const (
	peerKeyLen           = 20 + 16 + 2
	peerValueLen         = 1 + 1 + 20 + 8 + 8 + 8 + 8
	completedValLen      = 8
	recordVersion        = 1
	flagCompleted        = 1 << 0
	knownFlags      byte = flagCompleted
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
	var seen int64
	if !p.LastSeen.IsZero() {
		seen = p.LastSeen.UnixNano()
	}
	dst = append(dst, recordVersion, flags)
	dst = append(dst, p.ID[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Uploaded))
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Downloaded))
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Left))
	return binary.BigEndian.AppendUint64(dst, uint64(seen))
}

// parsePeerValue decodes a peer value; addr comes from the key.
func parsePeerValue(v []byte, addr netip.AddrPort) (registry.Peer, error) {
	var p registry.Peer
	if len(v) != peerValueLen {
		return p, fmt.Errorf("%w: value length %d", errRecord, len(v))
	}
	if v[0] != recordVersion {
		return p, fmt.Errorf("%w: version %d", errRecord, v[0])
	}
	if v[1]&^knownFlags != 0 {
		return p, fmt.Errorf("%w: flags %#x", errRecord, v[1])
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

func parseCompleted(k, v []byte) (bt.InfoHash, uint64, error) {
	var h bt.InfoHash
	if len(k) != len(h) || len(v) != completedValLen {
		return h, 0, fmt.Errorf("%w: completed record %d/%d bytes", errRecord, len(k), len(v))
	}
	copy(h[:], k)
	return h, binary.BigEndian.Uint64(v), nil
}
