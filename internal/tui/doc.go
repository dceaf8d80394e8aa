// Package tui is shoal's live console: a bubbletea model that shows every
// torrent of a session, the peers we download from and upload to, the rate
// limits, and optionally a log of protocol events.
//
// The package is pure. The engine is reached only through two small
// interfaces: a Source that returns a Snapshot on every refresh tick, and a
// Controller that receives the user's commands (rate limits, pause, resume).
// View is a function of the last Snapshot and the UI state (selection, sort
// order, open panes, terminal size); Update only changes that state and
// returns commands. Plain renders one progress line per torrent for output
// that is not a terminal.
//
// Terms: a peer "chokes us" when it refuses our requests (BEP 3 choke); we
// "choke" a peer when we refuse its requests. "Interested" means we want
// pieces the peer has; "PeerInterested" means the peer wants ours. In the
// Downloads pane a peer's role is "seed" when it has every piece and "peer"
// otherwise; in the Uploads pane it is "peer" when data also flows to us from
// it and "leecher" when it only takes.
//
// A peer reached through the rendezvous routers shows "rdv:" and the start
// of its rendezvous ID in place of its address, and a marker of how the
// link goes: "relayed" (through a router, in the warning style), "direct",
// "simopen" (simultaneous open), "back" (connect-back) or "lan". Plain
// counts such peers by link kind.
//
// Rates are bytes per second. A limit of 0 means unlimited. ParseRate reads
// limits as typed by a user ("5MiB", "512K", "1.5 M/s", "0").
//
// The package implements no wire protocol itself; it displays the state of
// the BEP 3 peer protocol (choke, interested, have, bitfield, request, piece)
// as reported by the engine.
package tui
