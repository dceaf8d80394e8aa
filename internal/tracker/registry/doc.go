// Package registry is the pure swarm state of shoal's tracker: which peers
// announced which info hash, from where, with what progress, and when.
//
// It implements the tracker side of BEP 3 announces (events started,
// completed and stopped; seeders from left = 0; numwant), the counters that
// BEP 48 scrapes report (complete, incomplete, downloaded), and keeps IPv4
// and IPv6 peers apart so that BEP 7 peers6 lists hold only IPv6 peers.
//
// Terms:
//   - swarm: the peers of one info hash, plus the torrent's completed count.
//   - endpoint: a peer's announced address, the source IP of its request and
//     the port it announced. A peer is identified by its endpoint, not by its
//     peer id: a request can only create, update or remove the entry of its
//     own source address, so nobody can rewrite someone else's entry by
//     quoting their peer id. A new peer id on a known endpoint replaces the
//     old entry (the client restarted).
//   - role: seeder when left is 0, leecher otherwise (a negative left means
//     unknown and counts as leecher).
//   - rendezvous contact: how a peer behind a NAT is reached through shoal's
//     rendezvous routers (a node ID and its router). Kept in a map per swarm
//     beside the entries (rendezvous.go), handed out with [Table.RendezvousOf]
//     and persisted with the peer; swarms without contacts pay nothing.
//
// Nothing here reads a clock, starts a goroutine or draws from a global
// random source: the time of each call and the random generator are inputs.
// [Table] is one shard and is not safe for concurrent use; [Registry] spreads
// swarms over independently locked Tables by info hash.
//
// Every announce is O(numwant): peers are kept in dense per-family slices,
// seeders first, with an index from endpoint to slot, so joining, leaving,
// changing role and sampling never scan the swarm. Only [Table.Expire] walks
// all peers, and it is meant to run periodically.
//
// When change tracking is on, every modified (swarm, endpoint) is remembered
// until [Table.TakeChanges] hands the latest state of each to a store; this is
// how persistence stays off the announce path. Only what a restart needs is
// marked: joins, leaves, new peer ids, role changes and completed events,
// plus the last-seen time once it is [Config.SeenResolution] old, so a
// steady re-announce costs no write. [Table.AnnounceCompact] writes the
// peer list straight in compact form (BEP 23, BEP 7), reading an IPv4 swarm
// from one packed word per peer.
package registry
