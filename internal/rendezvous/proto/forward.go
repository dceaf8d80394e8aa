package proto

import (
	"net/netip"
	"time"
)

// Forward carries a connect request from the requester's router to the
// target's router, with what that router needs to plan the link.
type Forward struct {
	Token       Token
	Requester   ID
	Target      ID
	Public      netip.AddrPort // the requester's observed address
	Private     netip.AddrPort
	Reachable   bool
	RTT         time.Duration // requester <-> its router
	RelayDialer bool          // the sender dials the router-to-router relay leg
	Upgrade     Token         // see ConnectRequest.Upgrade
}

func (*Forward) Type() Type { return TypeForward }

func (f *Forward) appendBody(b []byte) []byte {
	b = append(b, f.Token[:]...)
	b = append(b, f.Requester[:]...)
	b = append(b, f.Target[:]...)
	b = appendAddr(b, f.Public)
	b = appendAddr(b, f.Private)
	b = appendBool(b, f.Reachable)
	b = appendU32(b, durationMicros(f.RTT))
	b = appendBool(b, f.RelayDialer)
	return append(b, f.Upgrade[:]...)
}

func parseForward(p *parser) *Forward {
	f := &Forward{}
	p.copyTo(f.Token[:])
	p.copyTo(f.Requester[:])
	p.copyTo(f.Target[:])
	f.Public = p.addr()
	f.Private = p.addr()
	f.Reachable = p.boolean()
	f.RTT = time.Duration(p.u32()) * time.Microsecond
	f.RelayDialer = p.boolean()
	p.copyTo(f.Upgrade[:])
	return f
}
