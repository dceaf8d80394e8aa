package engine

import (
	"net/netip"
	"time"

	"shoal/internal/rendezvous/proto"
	"shoal/internal/swarm"
)

// PeerStats describes one connection for display.
type PeerStats struct {
	swarm.PeerStats
	Addr     netip.AddrPort
	Outgoing bool
	Fast     bool
	// Rendezvous is the other peer's rendezvous ID on a rendezvous link;
	// Link says how that link goes now ("lan", "direct", "connect-back",
	// "simultaneous-open" or "relayed"; "" for a plain TCP connection).
	Rendezvous proto.ID
	Link       string
}

// TrackerStats describes the last announce.
type TrackerStats struct {
	URL      string
	Err      error
	Peers    int
	Seeders  int
	Leechers int
	Last     time.Time
	Next     time.Time
}

// Stats is a snapshot of a torrent for display.
type Stats struct {
	swarm.Stats
	Name        string
	TotalLength int64
	Known       int // peer addresses known
	Connected   int
	Peers       []PeerStats
	Tracker     TrackerStats
	Err         error
	Paused      bool
	UpLimit     int64 // this torrent's share of the upload limit, 0: none
}

// Stats returns a snapshot; withPeers includes each connection.
func (t *Torrent) Stats(withPeers bool) Stats {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	st := Stats{
		Stats:       t.st.Stats(now, withPeers),
		Name:        t.spec.Name,
		TotalLength: t.spec.TotalLength,
		Known:       t.known(),
		Connected:   len(t.peers),
		Tracker:     TrackerStats(t.tracker),
		Err:         t.fatal,
		Paused:      t.paused,
		UpLimit:     t.UpLimit(),
	}
	for _, ps := range st.Stats.Peers {
		p := t.peers[ps.Peer]
		if p == nil {
			continue
		}
		st.Peers = append(st.Peers, PeerStats{PeerStats: ps, Addr: p.addr, Outgoing: p.outgoing, Fast: p.fast, Rendezvous: p.rdv, Link: linkKind(p.conn.NetConn())})
	}
	st.Stats.Peers = nil
	return st
}

// known counts the candidates; t.mu is held.
func (t *Torrent) known() int {
	n := len(t.cands)
	for _, c := range t.rdvCands {
		if !c.addr.IsValid() {
			n++
		}
	}
	return n
}
