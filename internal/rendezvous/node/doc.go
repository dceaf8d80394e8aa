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
// It implements no BEP; the wire format is package proto.
package node
