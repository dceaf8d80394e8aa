// Package peerconn runs one BitTorrent peer connection: the BEP 3 handshake
// with deadlines (reserved bits for BEP 6 and BEP 10), a writer goroutine that
// batches control messages and serves requested blocks straight from storage
// into the socket buffer, and byte counters. While upload limits hold the
// writers back, a Scheduler shared by the connections of a torrent lets the
// block of the piece nearest to completion go first, and a request stays
// cancellable until its bytes are granted. Reading is left to the caller,
// which feeds each message to its protocol state.
package peerconn
