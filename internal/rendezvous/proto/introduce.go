package proto

import (
	"net/netip"
	"time"
)

// Introduce gives a peer everything it needs to link with Peer: the
// address the routers observed for it, its private address (only when both
// peers share a public address), the plan, how long to wait before the
// first simultaneous-open dial, and whether the routers will relay.
type Introduce struct {
	Req       uint64 // the requester's ConnectRequest.Req; 0 for the target
	Token     Token
	Peer      ID
	Initiator bool // this side is the requester
	Public    netip.AddrPort
	Private   netip.AddrPort
	Plan      []Strategy
	Delay     time.Duration // microsecond precision, at most about 71 minutes
	Relay     bool
}

func (*Introduce) Type() Type { return TypeIntroduce }

func (f *Introduce) appendBody(b []byte) []byte {
	b = appendU64(b, f.Req)
	b = append(b, f.Token[:]...)
	b = append(b, f.Peer[:]...)
	b = appendBool(b, f.Initiator)
	b = appendAddr(b, f.Public)
	b = appendAddr(b, f.Private)
	b = appendPlan(b, f.Plan)
	b = appendU32(b, durationMicros(f.Delay))
	return appendBool(b, f.Relay)
}

func parseIntroduce(p *parser) *Introduce {
	f := &Introduce{Req: p.u64()}
	p.copyTo(f.Token[:])
	p.copyTo(f.Peer[:])
	f.Initiator = p.boolean()
	f.Public = p.addr()
	f.Private = p.addr()
	f.Plan = p.plan()
	f.Delay = time.Duration(p.u32()) * time.Microsecond
	f.Relay = p.boolean()
	return f
}

// durationMicros converts d to whole microseconds, clamped to a uint32.
func durationMicros(d time.Duration) uint32 {
	us := d.Microseconds()
	switch {
	case us < 0:
		return 0
	case us > 1<<32-1:
		return 1<<32 - 1
	}
	return uint32(us)
}
