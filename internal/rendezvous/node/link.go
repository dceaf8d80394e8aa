package node

import (
	"bufio"
	"fmt"
	"net"
	"time"

	"shoal/internal/rendezvous/proto"
)

// Kind says how a Link was made.
type Kind uint8

// The kinds.
const (
	KindRelayed     Kind = 0 // through the routers
	KindLAN         Kind = Kind(proto.StrategyLAN)
	KindDirect      Kind = Kind(proto.StrategyDirect)
	KindConnectBack Kind = Kind(proto.StrategyConnectBack)
	KindSimOpen     Kind = Kind(proto.StrategySimOpen)
)

func (k Kind) String() string {
	switch k {
	case KindRelayed:
		return "relayed"
	case KindLAN, KindDirect, KindConnectBack, KindSimOpen:
		return proto.Strategy(k).String()
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// Direct reports whether the link bypasses the routers.
func (k Kind) Direct() bool { return k != KindRelayed }

// Link is an authenticated connection to another peer.
type Link struct {
	net.Conn
	r      *bufio.Reader
	kind   Kind
	remote proto.ID
	setup  time.Duration
}

// Read reads from the link (bytes buffered during setup first).
func (l *Link) Read(p []byte) (int, error) { return l.r.Read(p) }

// Kind says how the link was made.
func (l *Link) Kind() Kind { return l.kind }

// RemoteID is the authenticated ID of the other peer.
func (l *Link) RemoteID() proto.ID { return l.remote }

// SetupTime is the time from the connect request (or, for the target, the
// router's notice) until the link was ready.
func (l *Link) SetupTime() time.Duration { return l.setup }
