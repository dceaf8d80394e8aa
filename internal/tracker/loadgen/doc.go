// Package loadgen is a bounded load generator for BitTorrent trackers: it
// sends announces over HTTP (BEP 3, compact peer lists of BEP 23) or UDP
// (BEP 15) from a fixed number of concurrent workers and measures how many
// are answered per second and how long each takes.
//
// The load is a synthetic population of peers spread over a number of
// torrents (see [Population]). In [ModePopulate] every peer announces once
// with event started, which fills a tracker's swarms; in [ModeRandom] each
// request is a regular announce of a peer drawn at random, which is what a
// tracker with a settled population mostly sees. A run stops after a fixed
// number of announces or a fixed duration, whichever comes first; every
// request has a timeout, so a run always ends.
//
// HTTP workers keep their connection alive when the tracker allows it and
// otherwise open one per announce; UDP workers obtain a connection id once
// and reuse it for a minute, as BEP 15 asks of clients. Latency is measured
// per announce (for UDP without the connect exchange) into a log-linear
// [Histogram]; with a target rate it is measured from the time the request
// was due, so that a slow tracker cannot hide its queueing delay.
//
// The request encoders and reply decoders are pure functions; decoders read
// untrusted bytes with hard size limits. Run is the network shell around
// them and connects only to the address it is given.
package loadgen
