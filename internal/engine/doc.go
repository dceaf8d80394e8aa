// Package engine is the shell around the pure per-torrent state of package
// swarm: one listening socket for every torrent of a session, a reader
// goroutine and a writer goroutine per peer connection, dialing of known
// peers, piece buffers hashed on a bounded pool of workers, upload and
// download rate limits, tracker announces (BEP 3, BEP 12, BEP 15 through
// package tracker/client) and snapshots for the user interface.
//
// With a Rendezvous in its Config (a rendezvous node, package
// rendezvous/node), a session is also reachable by its rendezvous ID:
// links made to it through the routers take the same handshake path as
// incoming TCP connections, trackers are told the ID with every announce,
// and a peer known by rendezvous ID is dialed through the routers (after
// its plain address, if it has one and that has not failed before; never
// both at once). PeerStats.Link says how each rendezvous link goes.
//
// Peer exchange (BEP 11, ut_pex) runs here, over the pure state of package
// pex, because only the engine knows the peers' addresses: it tells each
// peer about the others once a minute and dials what peers tell it, with
// the rendezvous IDs of peers reached through the routers in the same
// messages. It is off for private torrents (BEP 27).
//
// Block payloads go from the socket reader's buffer straight into a pooled
// piece buffer; a complete piece is hashed once and written with positioned
// writes. Each torrent has its own lock around its state; there is no lock
// shared by every torrent on the hot path.
package engine
