// Package magnet fetches a torrent's info dictionary from peers, given only
// its info hash, with the BEP 9 metadata exchange (ut_metadata) over the
// BEP 10 extension protocol. Peers come from the magnet link's trackers and
// peer addresses (x.pe) and from the caller.
package magnet
