// Package engine is the shell around the pure per-torrent state of package
// swarm: one listening socket for every torrent of a session, a reader
// goroutine and a writer goroutine per peer connection, dialing of known
// peers, piece buffers hashed on a bounded pool of workers, upload and
// download rate limits, tracker announces (BEP 3, BEP 12, BEP 15 through
// package tracker/client) and snapshots for the user interface.
//
// Block payloads go from the socket reader's buffer straight into a pooled
// piece buffer; a complete piece is hashed once and written with positioned
// writes. Each torrent has its own lock around its state; there is no lock
// shared by every torrent on the hot path.
package engine
