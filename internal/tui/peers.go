package tui

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
)

// sortMode orders the peer rows of a torrent.
type sortMode int

const (
	sortRate     sortMode = iota // fastest first
	sortAddress                  // by address, numerically when it parses
	sortProgress                 // most of the current piece done first
	numSortModes
)

func (s sortMode) String() string {
	switch s {
	case sortRate:
		return "rate"
	case sortAddress:
		return "address"
	case sortProgress:
		return "progress"
	}
	return "?"
}

// next returns the following sort mode, wrapping around.
func (s sortMode) next() sortMode { return (s + 1) % numSortModes }

// downloading reports whether p belongs in the Downloads pane: we want its
// pieces, or data is flowing from it.
func downloading(p Peer) bool {
	return p.Interested || finite(p.DownRate) > 0 || p.DownPiece >= 0
}

// uploading reports whether p belongs in the Uploads pane: it wants our
// pieces and we let it have them, or data is flowing to it.
func uploading(p Peer) bool {
	return (p.PeerInterested && !p.WeChoke) || finite(p.UpRate) > 0 || p.UpPiece >= 0
}

// peerRow is one peer as shown in one pane.
type peerRow struct {
	addr  string // network address, or rdv: and a rendezvous ID
	link  string // link marker, "" for a plain TCP connection
	id    string
	role  string
	rate  float64
	piece int
	pct   float64
	choke bool // the data flow of this pane is choked
}

// downloadRows returns the rows of the Downloads pane for peers, sorted.
func downloadRows(peers []Peer, mode sortMode) []peerRow {
	var rows []peerRow
	for _, p := range peers {
		if !downloading(p) {
			continue
		}
		role := "peer"
		if p.Seed {
			role = "seed"
		}
		rows = append(rows, peerRow{
			addr:  peerAddr(p),
			link:  linkMarker(p),
			id:    clean(p.ID, 32),
			role:  role,
			rate:  finite(p.DownRate),
			piece: p.DownPiece,
			pct:   p.DownPiecePct,
			choke: p.ChokesUs,
		})
	}
	sortRows(rows, mode)
	return rows
}

// uploadRows returns the rows of the Uploads pane for peers, sorted.
func uploadRows(peers []Peer, mode sortMode) []peerRow {
	var rows []peerRow
	for _, p := range peers {
		if !uploading(p) {
			continue
		}
		role := "leecher"
		if downloading(p) {
			role = "peer"
		}
		rows = append(rows, peerRow{
			addr:  peerAddr(p),
			link:  linkMarker(p),
			id:    clean(p.ID, 32),
			role:  role,
			rate:  finite(p.UpRate),
			piece: p.UpPiece,
			pct:   p.UpPiecePct,
			choke: p.WeChoke,
		})
	}
	sortRows(rows, mode)
	return rows
}

func sortRows(rows []peerRow, mode sortMode) {
	slices.SortStableFunc(rows, func(a, b peerRow) int {
		var c int
		switch mode {
		case sortRate:
			c = cmp.Compare(b.rate, a.rate)
		case sortProgress:
			c = cmp.Compare(rowProgress(b), rowProgress(a))
		}
		if c != 0 {
			return c
		}
		return compareAddr(a.addr, b.addr)
	})
}

// rowProgress is the sort key of sortProgress: rows without a piece last.
func rowProgress(r peerRow) float64 {
	if r.piece < 0 {
		return -1
	}
	return finite(r.pct)
}

// compareAddr orders addresses numerically when both parse as ip:port and
// as text otherwise; parsed addresses come first.
func compareAddr(a, b string) int {
	pa, errA := netip.ParseAddrPort(a)
	pb, errB := netip.ParseAddrPort(b)
	switch {
	case errA == nil && errB == nil:
		return pa.Compare(pb)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}
