package registry

import (
	"errors"
	"net/netip"
	"time"

	"shoal/internal/bt"
)

// Event is the event parameter of an announce (BEP 3).
type Event uint8

// Announce events. EventNone is a regular, periodic announce.
const (
	EventNone Event = iota
	EventStarted
	EventCompleted
	EventStopped
)

// String returns the event's name as it appears in an HTTP announce.
func (e Event) String() string {
	switch e {
	case EventNone:
		return ""
	case EventStarted:
		return "started"
	case EventCompleted:
		return "completed"
	case EventStopped:
		return "stopped"
	}
	return "unknown"
}

// ErrInvalidAddr is returned for an announce whose address is not a usable
// IP and non-zero port.
var ErrInvalidAddr = errors.New("registry: invalid peer address")

// Peer is everything the tracker keeps about one peer of one swarm.
type Peer struct {
	ID   bt.PeerID
	Addr netip.AddrPort

	Uploaded   int64
	Downloaded int64
	Left       int64 // 0 for a seeder; negative when unknown

	LastSeen time.Time

	// Completed reports that this peer's completed event has already been
	// counted in the torrent's completed count.
	Completed bool

	// Rendezvous is the peer's rendezvous contact, if it gave one.
	Rendezvous Rendezvous
}

// Seeder reports whether the peer has the whole torrent.
func (p Peer) Seeder() bool { return p.Left == 0 }

// Endpoint is a peer as handed out to other peers.
type Endpoint struct {
	ID   bt.PeerID
	Addr netip.AddrPort
}

// AnnounceParams is one announce as the registry sees it. Addr must already
// be the address the tracker decided to trust (normally the request's source
// address with the announced port).
type AnnounceParams struct {
	InfoHash bt.InfoHash
	PeerID   bt.PeerID
	Addr     netip.AddrPort

	Uploaded   int64
	Downloaded int64
	Left       int64

	Event Event

	// NumWant is how many peers to return at most; the caller applies its
	// default and cap. Zero or negative returns none.
	NumWant int

	// Rendezvous is the announcer's rendezvous contact; the zero value
	// keeps the one given earlier, if any (a UDP announce cannot carry
	// one). It goes with the entry when the entry goes.
	Rendezvous Rendezvous
}

// AnnounceResult is the answer to an announce. Peers holds only peers of
// the announcer's address family (IPv4 or IPv6), never the announcer itself,
// and no seeders when the announcer is a seeder. Counts cover both families.
type AnnounceResult struct {
	Peers     []Endpoint
	Seeders   int
	Leechers  int
	Completed uint64
	// Rendezvous is the number of peers of the swarm with a rendezvous
	// contact: when not zero, RendezvousOf may find some for Peers.
	Rendezvous int
}

// SwarmStats is a swarm's counters, as reported by a scrape (BEP 48) or on
// the status page.
type SwarmStats struct {
	InfoHash  bt.InfoHash
	Seeders   int
	Leechers  int
	Completed uint64
}

// SwarmState is a full copy of one swarm, as loaded from or saved to a store.
type SwarmState struct {
	InfoHash  bt.InfoHash
	Completed uint64
	Peers     []Peer
}

// PeerChange is the latest state of one peer entry: either the entry as it
// is now, or its removal. A removal has only Peer.Addr and, when known,
// Peer.LastSeen: the time up to which the removal applies (the time of a
// stopped announce, or the last-seen time of an expired entry), so that a
// store shared by several trackers can tell it from a newer announce of the
// same peer elsewhere.
type PeerChange struct {
	InfoHash bt.InfoHash
	Peer     Peer
	Removed  bool
}

// CompletedChange adds Delta to a torrent's completed count.
type CompletedChange struct {
	InfoHash bt.InfoHash
	Delta    uint64
}

// Batch is a set of changes to persist or to merge from another process.
// Within a batch each (info hash, endpoint) appears at most once.
type Batch struct {
	Peers     []PeerChange
	Completed []CompletedChange
}

// Len returns the number of changes in the batch.
func (b *Batch) Len() int { return len(b.Peers) + len(b.Completed) }

// Reset empties the batch, keeping its storage.
func (b *Batch) Reset() {
	b.Peers = b.Peers[:0]
	b.Completed = b.Completed[:0]
}
