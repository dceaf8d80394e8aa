package server

import (
	"bytes"
	"net/netip"
	"slices"
	"time"

	"shoal/internal/bencode"
	"shoal/internal/tracker/registry"
)

// announceReply holds what an HTTP announce response says.
type announceReply struct {
	res         registry.AnnounceResult
	interval    time.Duration
	minInterval time.Duration
	trackerID   string
	compact     bool
	noPeerID    bool
	v6          bool // the announcer is on IPv6: compact peers go to peers6
}

func appendAnnounceReply(dst []byte, r *announceReply) []byte {
	dst = append(dst, "d8:complete"...)
	dst = bencode.AppendInt(dst, int64(r.res.Seeders))
	dst = append(dst, "10:downloaded"...)
	dst = bencode.AppendUint(dst, r.res.Completed)
	dst = append(dst, "10:incomplete"...)
	dst = bencode.AppendInt(dst, int64(r.res.Leechers))
	dst = append(dst, "8:interval"...)
	dst = bencode.AppendInt(dst, int64(r.interval/time.Second))
	dst = append(dst, "12:min interval"...)
	dst = bencode.AppendInt(dst, int64(r.minInterval/time.Second))
	if r.compact {
		dst = appendCompactPeers(dst, "5:peers", r.res.Peers, false, !r.v6)
		if r.v6 {
			dst = appendCompactPeers(dst, "6:peers6", r.res.Peers, true, true)
		}
	} else {
		dst = append(dst, "5:peersl"...)
		for _, p := range r.res.Peers {
			dst = append(dst, "d2:ip"...)
			dst = bencode.AppendString(dst, p.Addr.Addr().String())
			if !r.noPeerID {
				dst = append(dst, "7:peer id"...)
				dst = bencode.AppendBytes(dst, p.ID[:])
			}
			dst = append(dst, "4:port"...)
			dst = bencode.AppendInt(dst, int64(p.Addr.Port()))
			dst = append(dst, 'e')
		}
		dst = append(dst, 'e')
	}
	dst = append(dst, "10:tracker id"...)
	dst = bencode.AppendString(dst, r.trackerID)
	return append(dst, 'e')
}

// appendCompactPeers writes key and a BEP 23 (IPv4, 6 bytes each) or BEP 7
// (IPv6, 18 bytes each) compact string of the peers of one family; with
// include false the string is empty.
func appendCompactPeers(dst []byte, key string, peers []registry.Endpoint, v6, include bool) []byte {
	dst = append(dst, key...)
	size := 6
	if v6 {
		size = 18
	}
	n := 0
	if include {
		for _, p := range peers {
			if p.Addr.Addr().Is6() == v6 {
				n++
			}
		}
	}
	dst = bencode.AppendStringLen(dst, n*size)
	if n == 0 {
		return dst
	}
	for _, p := range peers {
		if p.Addr.Addr().Is6() == v6 {
			dst = appendCompact(dst, p.Addr)
		}
	}
	return dst
}

// appendCompact writes 4 or 16 address bytes and the port, big-endian.
func appendCompact(dst []byte, ap netip.AddrPort) []byte {
	a := ap.Addr()
	if a.Is4() {
		b := a.As4()
		dst = append(dst, b[:]...)
	} else {
		b := a.As16()
		dst = append(dst, b[:]...)
	}
	return append(dst, byte(ap.Port()>>8), byte(ap.Port()))
}

func appendScrapeReply(dst []byte, stats []registry.SwarmStats) []byte {
	slices.SortFunc(stats, func(a, b registry.SwarmStats) int { return bytes.Compare(a.InfoHash[:], b.InfoHash[:]) })
	stats = slices.CompactFunc(stats, func(a, b registry.SwarmStats) bool { return a.InfoHash == b.InfoHash })
	dst = append(dst, "d5:filesd"...)
	for _, st := range stats {
		dst = bencode.AppendBytes(dst, st.InfoHash[:])
		dst = append(dst, "d8:complete"...)
		dst = bencode.AppendInt(dst, int64(st.Seeders))
		dst = append(dst, "10:downloaded"...)
		dst = bencode.AppendUint(dst, st.Completed)
		dst = append(dst, "10:incomplete"...)
		dst = bencode.AppendInt(dst, int64(st.Leechers))
		dst = append(dst, 'e')
	}
	return append(dst, "ee"...)
}
