// Package wire encodes and decodes the BitTorrent peer wire protocol.
//
// It implements the handshake and messages of BEP 3, the fast extension
// of BEP 6 (suggest, have all, have none, reject, allowed fast), the
// extension protocol of BEP 10 (the extended message and its handshake
// dictionary), the port message of BEP 5, and two extended messages: the
// metadata exchange of BEP 9 (ut_metadata) and the peer exchange of
// BEP 11 (ut_pex).
//
// The package does no networking. Writing is done with Append functions
// that add one encoded message to a caller's slice without allocating.
// Reading is done by a [Reader], which takes length-prefixed messages
// from an io.Reader through one reusable buffer and hands out [Message]
// values whose Payload aliases that buffer until the next call.
//
// Terms: a message on the wire is a 4-byte big-endian length followed
// by that many bytes, the body. A body of length zero is a keep-alive;
// otherwise its first byte is the message [ID]. Lengths in this package
// are body lengths unless they are called wire lengths, which include
// the 4-byte prefix.
//
// Every value received from a peer is untrusted. The Reader enforces a
// maximum body length and the exact body length of each fixed-size
// message; [Bounds.Check] validates piece indices, offsets and block
// lengths against a torrent. All errors for misbehaving peers wrap
// [ErrProtocol].
package wire
