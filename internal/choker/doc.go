// Package choker decides which peers we upload to.
//
// It implements the choking algorithm of BEP 3 as in the mainline client:
// tit-for-tat over a small number of regular unchoke slots, re-evaluated
// every ten seconds, plus one optimistic unchoke rotated every thirty seconds
// that favours newly connected peers. While leeching, peers are ranked by the
// rate at which they send to us and snubbed peers get no regular slot; while
// seeding, they are ranked by the rate at which we send to them, except for
// one regular slot that goes round the interested peers, least recently
// unchoked first, so that a seed serves every peer in turn.
//
// The Choker is a pure state machine: the caller passes the time, the peer
// table and a *rand.Rand, and applies the returned unchoke set.
package choker
