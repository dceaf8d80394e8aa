package client

import (
	"errors"
	"net/netip"
	"time"

	"shoal/internal/bt"
)

// Event is the announce event of BEP 3.
type Event int

// Announce events.
const (
	None Event = iota
	Started
	Completed
	Stopped
)

// String returns the word sent to HTTP trackers; None is the empty string.
func (e Event) String() string {
	switch e {
	case Started:
		return "started"
	case Completed:
		return "completed"
	case Stopped:
		return "stopped"
	default:
		return ""
	}
}

// udpEvent returns the event number of BEP 15, which orders events
// differently from this package.
func (e Event) udpEvent() uint32 {
	switch e {
	case Completed:
		return 1
	case Started:
		return 2
	case Stopped:
		return 3
	default:
		return 0
	}
}

// Request holds what a client tells a tracker in an announce.
type Request struct {
	InfoHash   bt.InfoHash
	PeerID     bt.PeerID
	Port       uint16
	Uploaded   int64
	Downloaded int64
	Left       int64
	Event      Event
	// NumWant is the number of peers wanted. Zero or negative lets the
	// tracker choose (-1 on the UDP wire, omitted over HTTP). Stopped
	// announces always ask for zero peers.
	NumWant int
	// Key is a random value that identifies this client across IP
	// address changes; it should stay the same for the whole session.
	Key uint32
	// TrackerID is the "tracker id" a tracker returned earlier. Tiers fills
	// it in per tracker.
	TrackerID string
	// IP is the address to report to the tracker; the zero value lets the
	// tracker use the source address. UDP carries only IPv4 addresses.
	IP netip.Addr
	// NoCompact asks an HTTP tracker for a list of peer dictionaries
	// (compact=0). The zero value asks for compact peer strings (BEP 23).
	NoCompact bool
	// Rendezvous, if set, tells the tracker how other peers can reach
	// this one through the rendezvous routers. HTTP only.
	Rendezvous Rendezvous
}

// numWant returns the value for the wire, -1 meaning "tracker's choice".
func (r Request) numWant() int32 {
	switch {
	case r.Event == Stopped:
		return 0
	case r.NumWant <= 0:
		return -1
	case r.NumWant > maxPeers:
		return maxPeers
	default:
		return int32(r.NumWant)
	}
}

// Response is a tracker's answer to an announce.
type Response struct {
	Interval    time.Duration // time to wait before the next regular announce
	MinInterval time.Duration // zero when the tracker gave none
	TrackerID   string
	Complete    int // seeders
	Incomplete  int // leechers
	// Peers holds IPv4 and IPv6 peers merged, without duplicates, and
	// without entries whose port is zero or whose address is unspecified.
	Peers   []netip.AddrPort
	Warning string
	// ExternalIP is this client's address as the tracker saw it, when
	// the tracker said (BEP 24); otherwise the zero Addr.
	ExternalIP netip.Addr
	// Rendezvous holds the rendezvous contacts the tracker gave for some
	// of the peers (a shoal extension; HTTP only).
	Rendezvous []RendezvousPeer
}

// ScrapeResult holds the swarm counts of one torrent.
type ScrapeResult struct {
	Complete   int // seeders
	Incomplete int // leechers
	Downloaded int // completed downloads ever reported
}

// FailureError is a failure a tracker reported: "failure reason" over HTTP
// or an error packet over UDP. Reason is cleaned of control characters and
// may be shown to the user as is.
type FailureError struct {
	Reason string
}

func (e *FailureError) Error() string { return "tracker: failure reason: " + e.Reason }

// Errors returned by Announce and Scrape, to be tested with errors.Is.
var (
	ErrUnsupportedScheme = errors.New("tracker: unsupported URL scheme")
	ErrScrapeUnsupported = errors.New("tracker: scrape not supported by this announce URL")
	ErrBodyTooLarge      = errors.New("tracker: response body too large")
	ErrMalformed         = errors.New("tracker: malformed response")
	ErrNoReply           = errors.New("tracker: udp: no reply") // every UDP attempt timed out
)
