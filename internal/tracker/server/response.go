package server

import (
	"bytes"
	"slices"
	"time"

	"shoal/internal/bencode"
	"shoal/internal/tracker/registry"
)

// announceReply holds what an HTTP announce response says.
type announceReply struct {
	res registry.AnnounceResult
	// compactPeers are the peers as compact strings of the announcer's
	// family, when compact is set; res.Peers otherwise.
	compactPeers []byte
	interval     time.Duration
	minInterval  time.Duration
	trackerID    string
	compact      bool
	noPeerID     bool
	v6           bool // the announcer is on IPv6: compact peers go to peers6
	rendezvous   []registry.RendezvousPeer
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
		if r.v6 {
			dst = append(dst, "5:peers0:6:peers6"...)
		} else {
			dst = append(dst, "5:peers"...)
		}
		dst = bencode.AppendBytes(dst, r.compactPeers)
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
	dst = appendRendezvous(dst, r.rendezvous)
	dst = append(dst, "10:tracker id"...)
	dst = bencode.AppendString(dst, r.trackerID)
	return append(dst, 'e')
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
