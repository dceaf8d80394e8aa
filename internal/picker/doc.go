// Package picker decides which blocks to request from which peer.
//
// It implements the piece selection of BEP 3 at block granularity (16 KiB
// blocks, bt.BlockSize):
//
//   - strict priority: free blocks of partial pieces are handed out before a
//     new piece is started, the piece closest to completion first;
//   - random first pieces: until four pieces are verified, new pieces are
//     chosen at random among those the peer has;
//   - rarest first: afterwards, a new piece is one of the least available
//     pieces the peer has, ties broken at random;
//   - endgame: once every missing block is outstanding, a peer with nothing
//     outstanding is asked for one block outstanding at other peers (each
//     block from at most three peers), and the losers are cancelled when
//     the block arrives. One block at a time keeps the duplicates that
//     arrive before their cancel few.
//
// Availability is fed from the bitfield and have messages of BEP 3 and the
// have-all message of BEP 6; peers that have everything are only counted.
//
// Terms: a piece is wanted when we lack it and none of its blocks is
// requested or received; it is partial from its first request until it is
// verified or failed. A block is free when it is neither received nor
// outstanding at any peer.
//
// A Picker is a pure state machine: no I/O, no clock, randomness from the
// *rand.Rand given to New. It is not safe for concurrent use.
package picker
