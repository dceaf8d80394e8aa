// Package peerconn runs one BitTorrent peer connection: the BEP 3 handshake
// with deadlines (reserved bits for BEP 6 and BEP 10), a writer goroutine that
// batches control messages and serves requested blocks straight from storage
// into the socket buffer, and byte counters. Reading is left to the caller,
// which feeds each message to its protocol state.
package peerconn
