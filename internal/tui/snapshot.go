package tui

import "time"

// Snapshot is everything the console shows, taken at one instant. The engine
// fills it; the console never modifies it or the slices it holds.
type Snapshot struct {
	PeerID   string   // our peer id, printable
	Listen   string   // listening address
	Trackers []string // announce URLs
	MaxDown  int64    // global download limit in bytes/s, 0 = unlimited
	MaxUp    int64    // global upload limit in bytes/s, 0 = unlimited
	DownRate float64  // current total download rate, bytes/s
	UpRate   float64  // current total upload rate, bytes/s
	Torrents []Torrent
	Events   []Event // most recent last; optional
}

// Torrent is the state of one torrent in a Snapshot.
type Torrent struct {
	InfoHash   string // hex; identifies the torrent to the Controller
	Name       string
	Size       int64 // total bytes
	Done       int64 // verified bytes
	DownRate   float64
	UpRate     float64
	Downloaded int64 // payload bytes received this session
	Uploaded   int64 // payload bytes sent this session
	Pieces     int   // verified pieces
	NumPieces  int
	Seeding    bool
	Paused     bool
	Err        string // last error, empty if none
	Files      []File
	Peers      []Peer
	Tracker    string // tracker status text
}

// File is one file of a torrent.
type File struct {
	Path string
	Size int64
	Done int64 // verified bytes
}

// Peer is one connected peer of a torrent.
type Peer struct {
	Addr           string
	ID             string // short printable peer id or client name
	Seed           bool   // the peer has every piece
	DownRate       float64
	UpRate         float64
	ChokesUs       bool    // the peer chokes us
	WeChoke        bool    // we choke the peer
	Interested     bool    // we are interested in the peer
	PeerInterested bool    // the peer is interested in us
	DownPiece      int     // piece we are downloading from the peer, -1 if none
	DownPiecePct   float64 // 0..100, how much of DownPiece has arrived
	UpPiece        int     // piece we are uploading to the peer, -1 if none
	UpPiecePct     float64 // 0..100, how much of UpPiece has been sent
	// Rendezvous is the peer's rendezvous ID in hex when it is reached
	// through the rendezvous routers, empty otherwise. The console shows
	// "rdv:" and its first 8 digits instead of Addr, which on such a link
	// may be a router's or a NAT's address.
	Rendezvous string
	// Link is how a rendezvous link goes now: "lan", "direct",
	// "connect-back", "simultaneous-open" or "relayed" (through a router);
	// empty for a plain TCP connection.
	Link string
}

// Event is one line of the event log.
type Event struct {
	Time    time.Time
	Torrent string // name or info hash
	Peer    string // address or id
	Kind    string // "piece recv", "piece sent", "have", "bitfield", "request", "choke", "unchoke", ...
	Detail  string
}

// Source provides snapshots. Snapshot is called once per refresh tick, off
// the UI goroutine; it must be safe for concurrent use with the engine and
// should return quickly.
type Source interface {
	Snapshot() Snapshot
}

// Controller receives the user's commands. Its methods are called from
// bubbletea commands, that is from goroutines other than the UI's, so they
// must be safe for concurrent use.
type Controller interface {
	SetLimits(down, up int64) // bytes/s, 0 = unlimited
	Pause(infoHash string)
	Resume(infoHash string)
}
