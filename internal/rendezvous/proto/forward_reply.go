package proto

import (
	"net/netip"
	"time"
)

// ForwardReply answers a Forward: on CodeOK it carries the target's
// addresses and the plan and delay for the requester.
type ForwardReply struct {
	Token   Token
	Code    Code
	Public  netip.AddrPort
	Private netip.AddrPort
	Plan    []Strategy
	Delay   time.Duration
	Relay   bool
}

func (*ForwardReply) Type() Type { return TypeForwardReply }

func (f *ForwardReply) appendBody(b []byte) []byte {
	b = append(b, f.Token[:]...)
	b = append(b, byte(f.Code))
	b = appendAddr(b, f.Public)
	b = appendAddr(b, f.Private)
	b = appendPlan(b, f.Plan)
	b = appendU32(b, durationMicros(f.Delay))
	return appendBool(b, f.Relay)
}

func parseForwardReply(p *parser) *ForwardReply {
	f := &ForwardReply{}
	p.copyTo(f.Token[:])
	f.Code = Code(p.u8())
	f.Public = p.addr()
	f.Private = p.addr()
	f.Plan = p.plan()
	f.Delay = time.Duration(p.u32()) * time.Microsecond
	f.Relay = p.boolean()
	return f
}
