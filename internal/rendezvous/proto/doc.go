// Package proto is the wire format of the rendezvous routers: the frames a
// peer and its router, two federated routers, and two peers setting up a
// link exchange, plus the identity helpers (Ed25519 keys, IDs derived from
// public keys, domain-separated signatures).
//
// A frame is a 4-byte big-endian length, a 1-byte type and a body; the
// length counts the type byte and the body and never exceeds MaxFrameSize.
// Parsers are strict: a body must be consumed exactly, booleans are 0 or 1,
// and every truncated prefix of a valid frame fails.
//
// The rendezvous protocol is shoal's own; it implements no BEP. It has no
// version negotiation yet: routers and peers must run the same release
// (for instance, routers now prove their key on every relay leg, which
// older peers do not expect).
package proto
