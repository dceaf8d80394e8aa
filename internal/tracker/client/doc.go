// Package client announces to BitTorrent trackers and scrapes them.
//
// It speaks the HTTP(S) announce of BEP 3 with compact peer lists (BEP 23)
// and IPv6 peer lists (BEP 7, "peers6"), the UDP tracker protocol of BEP 15
// (with the URL data option of BEP 41), the "external ip" key of BEP 24,
// and scrape over both transports (BEP 48 and BEP 15 action 2). Tiers
// implements the multitracker rules of BEP 12: trackers are tried tier by
// tier and a tracker that answers moves to the front of its tier.
//
// A shoal extension carries rendezvous contacts (see Rendezvous): the
// announce parameters "rendezvous" (the node ID in hex) and "router"
// (ID@HOST:PORT), and the reply key "rendezvous", a list of dictionaries
// {id, peer, router}. Other trackers and clients ignore them. UDP announces
// cannot carry them: BEP 15 has no room for them.
//
// The decoders of tracker replies (ParseHTTPAnnounce, ParseHTTPScrape,
// ParseUDPConnect, ParseUDPAnnounce, ParseUDPScrape, ParseUDPError) are pure
// functions over untrusted bytes with hard size limits; the Client is the
// thin network shell around them.
//
// Terms: an announce tells a tracker about this client and returns peers; a
// scrape asks for swarm counts only. "Complete" counts seeders and
// "Incomplete" counts leechers.
package client
