package proto

import (
	"encoding/hex"
	"fmt"
)

// Token names one connect attempt between two peers. It is random, known
// only to the two peers and their routers, and both peers sign it when
// they set up the link.
type Token [16]byte

func (t Token) String() string { return hex.EncodeToString(t[:]) }

// IsZero reports whether t is the zero token (no token).
func (t Token) IsZero() bool { return t == Token{} }

// Code is the outcome carried by ConnectFail, ForwardReply and Error.
type Code uint8

// The codes.
const (
	CodeOK           Code = 0
	CodeNotFound     Code = 1 // no registered peer with that ID
	CodeDeclined     Code = 2 // the target said no
	CodeRateLimited  Code = 3 // too many connect requests
	CodeTimeout      Code = 4 // the target or its router did not answer
	CodeBadRequest   Code = 5 // a frame that makes no sense here
	CodeUnauthorized Code = 6 // signature or pinning check failed
	CodeBusy         Code = 7 // a limit on sessions or registrations
	CodeSelf         Code = 8 // a connect to oneself
)

var codeNames = [...]string{"ok", "not found", "declined", "rate limited", "timeout", "bad request", "unauthorized", "busy", "self"}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code %d", uint8(c))
}

// Strategy is one way to make a direct link.
type Strategy uint8

// The strategies, in the order routers plan them.
const (
	StrategyLAN         Strategy = 1 // requester dials the target's private address
	StrategyDirect      Strategy = 2 // requester dials the target's public address
	StrategyConnectBack Strategy = 3 // target dials the requester's public address
	StrategySimOpen     Strategy = 4 // both dial at once from their listening ports
)

var strategyNames = [...]string{"", "lan", "direct", "connect-back", "simultaneous-open"}

func (s Strategy) String() string {
	if s > 0 && int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("strategy %d", uint8(s))
}

// MaxPlan is the most strategies a plan holds.
const MaxPlan = 4

func appendPlan(b []byte, plan []Strategy) []byte {
	if len(plan) > MaxPlan {
		plan = plan[:MaxPlan]
	}
	b = append(b, byte(len(plan)))
	for _, s := range plan {
		b = append(b, byte(s))
	}
	return b
}

func (p *parser) plan() []Strategy {
	n := int(p.u8())
	if n > MaxPlan {
		p.bad = true
		return nil
	}
	var plan []Strategy
	for range n {
		s := Strategy(p.u8())
		if s < StrategyLAN || s > StrategySimOpen {
			p.bad = true
		}
		plan = append(plan, s)
	}
	return plan
}
