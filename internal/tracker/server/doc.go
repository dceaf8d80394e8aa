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
//   - shoal's rendezvous extension (rendezvous.go): an HTTP announce may
//     carry "rendezvous" (a node ID) and "router" (ID@HOST:PORT) for peers
//     behind NATs; they are kept with the peer and the reply's "rendezvous"
//     key lists them for the returned peers. Malformed values are ignored.
//     UDP announces cannot carry them.
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
//   - A registry of known torrents: Config.TorrentDir is read at start and
//     rescanned every Config.RescanInterval and on Server.Rescan (the
//     command calls it on SIGHUP); unchanged files are not read again.
//     With Config.AllowUpload, POST /torrents registers the .torrent in the
//     body (at most MaxUploadSize bytes) and saves it into TorrentDir.
//     Uploads come only from Config.UploadFrom (default loopback), with
//     the Config.UploadToken bearer token if one is set, and never with an
//     Origin header, which keeps browsers (cross-site forms, DNS rebinding)
//     out. Replies are plain text with 201, 200 (known already), 400, 401,
//     403, 405, 413 or 507.
//   - Allow-list mode (Config.AllowList): only registered info hashes are
//     answered; an announce or scrape naming another gets the failure
//     reason "unregistered torrent" (HTTP) or that error packet (UDP). One
//     unregistered hash refuses a whole multi-hash scrape. Swarms of
//     torrents that are not registered (restored from the store, or whose
//     file was removed) are no longer answered and expire with their peers.
//   - An HTML status page at /: totals of all swarms and the MaxStatusRows
//     largest (most peers, then most seeders) with their names when
//     registered, escaped by html/template. It is rendered at most once a
//     second.
//   - Prometheus metrics at /metrics, from a registry of the server's own
//     (Server.Metrics): shoal_tracker_announces_total and
//     shoal_tracker_scrapes_total by protocol (http, udp) and outcome (ok,
//     error); shoal_tracker_errors_total by protocol and kind (malformed,
//     bad_connection_id, rate_limited, unregistered, invalid_address,
//     internal); shoal_tracker_udp_connects_total;
//     shoal_tracker_announce_duration_seconds, a histogram by protocol of
//     the time from reading a request to the reply built;
//     shoal_tracker_swarms, shoal_tracker_peers by role (seeder, leecher),
//     shoal_tracker_registered_torrents,
//     shoal_tracker_rate_limited_addresses; and the Go and process
//     collectors.
//
// Hardening: a peer's address is the source address of its request. The ip
// parameter and X-Forwarded-For are honoured only when the request comes
// from one of Config.TrustedProxies; the UDP ip field is always ignored.
// Every malformed HTTP request gets a bencoded failure reason with status
// 200, every malformed UDP request an error packet (within the size rule;
// packets shorter than 16 bytes are dropped). Queries are limited to
// MaxQueryLen bytes, headers to 16 KiB and must arrive within 5 seconds;
// bodies (tracker requests have none) to 1 KiB, uploads excepted.
//
// Rate limits (Config.RateLimit): a token bucket per source address (an
// IPv4 address or an IPv6 /64; the X-Forwarded-For client behind a trusted
// proxy), with a burst large enough for many peers behind one NAT address
// announcing together. Over the limit, announces and scrapes get the
// failure reason "rate limit exceeded, try again later" (or that error
// packet), other pages 429. UDP connects are not limited, and UDP requests
// count only once their connection id proves the source address, so that
// spoofed packets cannot use up someone else's bucket. The table of
// buckets is bounded (Config.RateLimitAddrs); buckets that have refilled
// are forgotten first.
//
// A store shared by several tracker processes implements store.Follower;
// the server then merges the changes the others make. A re-announce that
// changes nothing a restart needs is written again only when the stored
// last-seen time is half an interval old (registry.Config.SeenResolution).
//
// Hot paths: on Linux, UDP is read and answered in batches (recvmmsg and
// sendmmsg). HTTP GET /announce and /scrape are answered without net/http:
// the server parses those request heads itself (anything else, at any
// point of a connection, goes to net/http with the bytes read), and a
// connection whose whole request is waiting when it is accepted and which
// asks to be closed is answered on the spot, without a goroutine. On Linux
// both sockets are taken out of the runtime's network poller and served by
// goroutines blocked in recvmmsg and accept4 (one UDP reader per two
// processors, one accept loop); the HTTP socket has TCP_DEFER_ACCEPT, so a
// connection is usually accepted together with its request.
package server
