package router

import (
	"net/netip"
	"time"

	"shoal/internal/rendezvous/proto"
)

// endpoint is what a router knows about one side of a pair.
type endpoint struct {
	public    netip.AddrPort // observed by the router
	private   netip.AddrPort // claimed and signed by the peer
	reachable bool           // the peer accepts inbound connections
	rtt       time.Duration  // peer <-> its router
}

// plan orders the ways to link req with tgt: LAN when both share a public
// address, a plain dial when the target is reachable, connect-back when
// the requester is, and simultaneous open last. force replaces it.
func plan(req, tgt endpoint, force []proto.Strategy) []proto.Strategy {
	if len(force) > 0 {
		return force
	}
	var p []proto.Strategy
	if sameNAT(req, tgt) {
		p = append(p, proto.StrategyLAN)
	}
	if tgt.reachable {
		p = append(p, proto.StrategyDirect)
	}
	if req.reachable {
		p = append(p, proto.StrategyConnectBack)
	}
	return append(p, proto.StrategySimOpen)
}

// sameNAT reports whether two peers share a public IP and both gave a
// private address.
func sameNAT(a, b endpoint) bool {
	return a.public.Addr() == b.public.Addr() && a.private.IsValid() && b.private.IsValid()
}

// privateFor is the private address of other that may be shown to self:
// only to a peer behind the same public address, so a router never points
// peers at LAN addresses of other networks.
func privateFor(self, other endpoint) netip.AddrPort {
	if sameNAT(self, other) {
		return other.private
	}
	return netip.AddrPort{}
}

// schedule returns how long each side waits after its introduction
// arrives, so that both start dialing at the same moment. arrReq and
// arrTgt are when the introductions are expected to arrive, counted from
// when the router sends them.
func schedule(arrReq, arrTgt, margin time.Duration) (delayReq, delayTgt time.Duration) {
	fire := max(arrReq, arrTgt) + margin
	return fire - arrReq, fire - arrTgt
}
