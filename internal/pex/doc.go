// Package pex keeps the per-torrent state of peer exchange (BEP 11, the
// ut_pex extension of BEP 10): which contacts each peer has been told about,
// when its next message is due, and which contacts received from peers are
// worth dialing.
//
// The State is a pure state machine. It does no I/O, starts no goroutines and
// reads no clock: the caller passes the time, sends the messages returned by
// Due and dials the contacts returned by Receive. Converting between Message
// and the wire form is the caller's job.
//
// # Contacts
//
// A Contact is how other peers can reach a connection: its listening address,
// its rendezvous ID, or both. A contact is keyed by its address when that is
// usable, else by its rendezvous ID; a contact with neither is not shared.
// IPv4-mapped IPv6 addresses are unmapped and zones dropped before anything
// else. An address is usable when it is valid, has a non-zero port and is not
// unspecified, multicast or the IPv4 broadcast address. Connections that
// share a key count once: the contact is shared while at least one of them is
// connected, its Seed and Reachable flags are set if any connection sets them,
// and its rendezvous ID is that of the lowest-numbered connection that has one.
// For an incoming connection, the caller should leave Addr invalid until it
// learns the listening port (the "p" key of the extension handshake); the
// remote port of an incoming connection is not a listening port.
//
// # Sending
//
// After Enable, a peer's first message is due FirstDelay later and lists the
// current set; each later message is the difference between the contacts
// connected now (the peer's own key excluded) and what the peer was last
// told: Added holds contacts it was not told about, Dropped the ones it was
// told about that have left. Added is capped at MaxAdded and Dropped at
// MaxDropped per message; the remainder follows in later messages. Added
// lists contacts by the lowest connection number holding them, Dropped by
// address then rendezvous ID, so the output is deterministic. A contact whose
// Seed or Reachable flag changes after it was told is not sent again. Empty
// messages are not sent; either way the peer's next message is due Interval
// later (BEP 11: at most one message a minute). What a peer has been told is
// capped at MaxTold contacts; while it is full, new contacts wait until some
// are dropped.
//
// # Receiving
//
// Receive accepts a message only from an enabled peer and only if at least
// Interval/2 has passed since the last message accepted from it; others are
// ignored whole. Of an accepted message, only the first MaxAdded entries of
// Added are looked at. An entry whose address is not usable keeps only its
// rendezvous ID, and is skipped if it has none. Entries repeating an address
// or rendezvous ID seen earlier in the message are skipped, as are entries
// whose address or rendezvous ID belongs to a connection of the torrent.
// Dropped entries are ignored: the caller keeps its own candidates.
//
// # Bounds
//
// Memory per peer is a fixed record plus at most MaxTold told contacts. The
// State does not know our own address or rendezvous ID: the caller must skip
// itself among the contacts Receive returns.
//
// A State is not safe for concurrent use.
package pex
