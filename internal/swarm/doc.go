// Package swarm is the per-torrent protocol state machine of a peer: which
// peers are choked and interested, which blocks are requested from whom,
// which requests we serve, when a piece is complete and must be hashed, and
// when a peer has broken the protocol or sent bad data too often.
//
// It is pure: events go in (a peer connected, a message arrived, a piece was
// hashed, time passed) and actions come out (send this message, serve this
// block, hash this piece, close this peer). It owns no goroutine, socket or
// file and never reads the clock; the engine around it does. Block payloads
// never enter it: for a piece message it only says whether the bytes are
// wanted, and the engine copies them.
//
// It implements the peer side of BEP 3 (choking, interest, requests,
// rarest-first through package picker, tit-for-tat through package choker;
// an unchoked peer that asks for nothing makes room for one that waits),
// BEP 6 (have all/none, reject, allowed fast, suggest), the request-queue
// hint of BEP 10 (reqq) and, as an option of a torrent that starts complete,
// super-seeding (BEP 16; see Config.SuperSeed).
package swarm
