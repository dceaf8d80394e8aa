// Package ringlab is the ring lab: one owner and N peers that pass a file
// around a ring.
//
// The owner cuts a file into chunks (the pieces of a metainfo it makes,
// with a piece length of the lab's choosing, such as 100 KB) and hands each
// peer a different share, as a super-seeding seed of BEP 16 would: chunk c
// goes to peer c mod N. Then every peer has exactly one download neighbour
// (peer i-1) and one upload neighbour (peer i+1). A peer learns its
// download neighbour's chunk list, fetches the chunks it lacks from it only,
// and serves its upload neighbour, announcing each new chunk, until every
// peer has the whole file.
//
// Everything is the BitTorrent peer wire protocol of BEP 3, spoken with
// package wire: a handshake whose peer id names the ring member, the chunk
// list as a bitfield message refreshed by have messages, interested,
// unchoke and not interested, and request and piece messages for blocks of
// up to 16 KiB within a chunk. Every chunk is checked against its SHA-1 from
// the metainfo before it is stored or announced.
//
// Each node reports what it does as [Event] values: chunks, chunk lists,
// list updates and requests sent and received, one line each in the form
// "peer 2: recv chunk 7 from peer 1 (102400 B)". A peer keeps DIR/summary.txt
// with the chunk ids it has and, if asked, each chunk as DIR/chunks/NNNN.
//
// The pure logic (ring neighbours, the owner's share of each peer, which
// chunk to ask for next) is in plain functions; [RunOwner] and [RunPeer] run
// one node on a listener, so that each may be its own process, and [RunRing]
// runs a whole ring in this process.
package ringlab
