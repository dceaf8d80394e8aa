package swarm

import (
	"slices"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/choker"
)

// PeerStats is a snapshot of one peer for display.
type PeerStats struct {
	Peer           Peer
	Client         string
	Have           int // pieces the peer has
	DownRate       float64
	UpRate         float64
	Downloaded     int64
	Uploaded       int64
	AmChoking      bool
	AmInterested   bool
	PeerChoking    bool
	PeerInterested bool
	Snubbed        bool
	Outstanding    int
	// DownPiece is the piece the peer is sending us: that of its last
	// block, or before any block that of our last request to it (-1 if
	// none). DownPieceDone is the fraction of it received so far.
	DownPiece     int
	DownPieceDone float64
	// UpPiece is the piece of the last request of the peer we serve (-1
	// if none) and UpPieceDone the fraction of it requested so far.
	UpPiece     int
	UpPieceDone float64
}

// Stats is a snapshot of the torrent for display.
type Stats struct {
	Pieces     int // verified
	NumPieces  int
	Left       int64
	DownRate   float64
	UpRate     float64
	Downloaded int64 // block bytes accepted
	Uploaded   int64
	Wasted     int64 // block bytes received but not needed
	Seeding    bool
	// SuperSeeding is true while the torrent is super-seeded (BEP 16);
	// SuperSeedUploaded is, once super-seeding ended, the bytes uploaded
	// until then: what it cost to put one copy into the swarm.
	SuperSeeding      bool
	SuperSeedUploaded int64
	Peers             []PeerStats
}

// Stats returns a snapshot. withPeers includes the per-peer list.
func (s *State) Stats(now time.Time, withPeers bool) Stats {
	st := Stats{
		Pieces:     s.pk.HaveCount(),
		NumPieces:  s.cfg.NumPieces,
		Left:       s.pk.Left(),
		DownRate:   s.down.Rate(now),
		UpRate:     s.up.Rate(now),
		Downloaded: s.down.Total(),
		Uploaded:   s.up.Total(),
		Wasted:     s.wasted,
		Seeding:    s.seeding,

		SuperSeeding:      s.ss.on,
		SuperSeedUploaded: s.ss.upAtOn,
	}
	if !withPeers {
		return st
	}
	for p, ps := range s.peers {
		st.Peers = append(st.Peers, PeerStats{
			Peer:           p,
			Client:         ps.client,
			Have:           ps.has.Count(),
			DownRate:       ps.down.Rate(now),
			UpRate:         ps.up.Rate(now),
			Downloaded:     ps.down.Total(),
			Uploaded:       ps.up.Total(),
			AmChoking:      ps.amChoking,
			AmInterested:   ps.amInterested,
			PeerChoking:    ps.peerChoking,
			PeerInterested: ps.peerInterested,
			Snubbed:        ps.snubbed,
			Outstanding:    s.pk.Outstanding(p),
			DownPiece:      s.workingPiece(ps),
			DownPieceDone:  s.pk.Progress(s.workingPiece(ps)),
			UpPiece:        ps.upPiece,
			UpPieceDone:    s.upDone(ps),
		})
	}
	slices.SortFunc(st.Peers, func(a, b PeerStats) int { return int(a.Peer) - int(b.Peer) })
	return st
}

// NumPeers is the number of registered peers.
func (s *State) NumPeers() int { return len(s.peers) }

func sortChokerPeers(ps []choker.Peer) {
	slices.SortFunc(ps, func(a, b choker.Peer) int { return a.ID - b.ID })
}

// PieceSize is the length of piece i.
func (s *State) PieceSize(i int) int64 { return s.bounds.PieceSize(i) }

func (s *State) upDone(ps *peerState) float64 {
	if ps.upPiece < 0 {
		return 0
	}
	return min(1, float64(ps.upBytes)/float64(s.bounds.PieceSize(ps.upPiece)))
}

// Bitfield returns a copy of the set of verified pieces.
func (s *State) Bitfield() *bitfield.Bitfield { return s.pk.Bitfield() }

func (s *State) workingPiece(ps *peerState) int {
	if ps.downPiece >= 0 {
		return ps.downPiece
	}
	return ps.reqPiece
}
