// Package node is the peer side of the rendezvous routers. A Node listens
// on one TCP port, keeps an authenticated control connection to its home
// router dialed from that same port (so the NAT mapping the router sees is
// the one a punched connection reuses), and makes Links to other peers by
// ID: the routers introduce the two peers, which then try, in the order
// the router planned, the private address (same NAT), a plain dial, a
// connect-back, and a TCP simultaneous open, and fall back to a relay
// through the routers. Both peers sign the pair token on every link, so
// neither can be fooled about whom it talks to.
//
// A relayed link keeps trying to become direct: the side that dialed asks
// for new introductions with backoff (Config.UpgradeAttempts) and, once a
// direct socket is authenticated, both sides end their relay stream with
// a switch frame and go on over the direct socket, so the stream moves
// without losing or repeating a byte; Link.Kind then reports the direct
// kind. A router given as ID@HOST:PORT is pinned: it must sign the
// registration, and the registration of every relay leg, with that ID's
// key; a relay leg that fails the check is dropped.
//
// It implements no BEP; the wire format is package proto.
package node
