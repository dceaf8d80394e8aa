// Package lab runs swarm experiments on loopback and compares them with
// the textbook bounds on distribution time.
//
// A file of F bytes goes from one seed with upload rate u_s to N peers
// with upload rates u_i; d_min is the slowest download rate. Every peer
// must end with the whole file, so
//
//	client-server:  D_cs  >= max(N·F/u_s, F/d_min)
//	peer-to-peer:   D_p2p >= max(F/u_s, F/d_min, N·F/(u_s + Σu_i))
//
// An experiment (Start, Run) starts the seed and the peers as real
// sessions of package engine in this process, each bound to its own
// loopback address (127.0.0.2, 127.0.0.3, ...) so that per-address logic
// behaves as on a network, with token-bucket upload limits of 64 KiB
// depth. All peers start together; the experiment ends when the last has
// verified every piece (BEP 3). In client-server mode each peer knows only
// the seed, so the seed alone uploads; in peer-to-peer mode every peer
// also knows every other peer and BEP 3 choking decides who uploads to
// whom. Peers are given each other's addresses directly, so the lab needs
// no tracker; the demo (Config.Tracker) uses an embedded one instead.
//
// The pure parts are separate: Model computes the bounds, Report renders
// a sweep as a table, CSV and an SVG plot of T/(F/u) against N with both
// bound curves, and Frame renders a live view of a running experiment.
package lab
