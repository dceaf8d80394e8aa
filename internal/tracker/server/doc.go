// Package server is shoal's BitTorrent tracker: the HTTP and UDP front ends
// over the swarm state of package registry, with optional persistence through
// package store. It runs stand-alone (shoal tracker) or embedded in another
// process (shoal share).
//
// Implemented:
//   - BEP 3 announce at /announce: info_hash, peer_id, port, uploaded,
//     downloaded, left, event, numwant, compact, no_peer_id, key, trackerid;
//     replies carry interval, min interval, complete, incomplete, downloaded
//     and tracker id. key and trackerid are accepted and ignored: a peer is
//     identified by its endpoint (see package registry).
//   - BEP 23 compact peer lists (the default unless compact=0) and BEP 7
//     peers6: an IPv6 announcer gets IPv6 peers in peers6, an IPv4 announcer
//     IPv4 peers in peers.
//   - BEP 48 scrape at /scrape with one or more info_hash parameters (at most
//     MaxScrapeHashes). A scrape without info_hash is refused: a full scrape
//     of every swarm would be an easy way to make the tracker send a lot.
//   - BEP 15 UDP tracker: connect, announce, scrape and error. Connection ids
//     are HMAC-SHA256(secret, source address and port, minute) cut to 8
//     bytes; the current and the previous minute are accepted, so an id
//     lives between one and two minutes. A source that has not presented a
//     valid connection id never gets a reply longer than its request.
//   - A plain HTML status page at / listing swarms.
//
// Hardening: a peer's address is the source address of its request. The ip
// parameter and X-Forwarded-For are honoured only when the request comes
// from one of Config.TrustedProxies; the UDP ip field is always ignored.
// Every malformed HTTP request gets a bencoded failure reason with status
// 200, every malformed UDP request an error packet (within the size rule;
// packets shorter than 16 bytes are dropped). Queries are limited to
// MaxQueryLen bytes, headers to 16 KiB and must arrive within 5 seconds.
//
// Not yet here: Prometheus metrics, per-address rate limits, a registry of
// known torrents (names, allow-list) and a Redis store; the handler in
// http.go, the registry calls and store.Follower are where they attach.
package server
