package node

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"shoal/internal/rendezvous/proto"
)

// Reach says whether a node accepts inbound connections from anywhere.
type Reach uint8

const (
	// ReachAuto: reachable when the router sees the same address the node
	// listens on (no NAT in between).
	ReachAuto Reach = iota
	ReachYes        // e.g. a forwarded port
	ReachNo         // e.g. a firewall that drops inbound connections
)

// Config configures a Node.
type Config struct {
	Key    ed25519.PrivateKey // required
	Router string             // HOST:PORT or ID@HOST:PORT of the home router, required
	// RouterID pins the router: registration fails unless the router
	// signs it with this ID's key. Router given as ID@HOST:PORT sets it.
	RouterID proto.ID
	Listen   string // TCP listen address, default ":0"
	// Private replaces the private address told to the router (default:
	// the local address of the control connection, with the listen port).
	Private netip.AddrPort
	Reach   Reach

	// Policy decides whether to accept a link from a peer; nil accepts all.
	Policy func(from proto.ID) bool

	StepTimeout      time.Duration // time given to each strategy of a plan, default 1s
	SimOpenAttempts  int           // dials during a simultaneous-open step, default 3
	ConnectTimeout   time.Duration // whole Dial, relay included, default 20s
	KeepAlive        time.Duration // ping to the router, default 15s
	IdleTimeout      time.Duration // reconnect after this silence, default 3*KeepAlive
	HandshakeTimeout time.Duration // router and link handshakes, default 5s
	MaxBackoff       time.Duration // between reconnects, default 10s
	// NoDirect skips every direct strategy and goes straight to the relay
	// (and ignores direct connections for links of this node).
	NoDirect bool

	// A relayed link that this node dialed asks for a new introduction
	// and retries the direct strategies up to UpgradeAttempts times
	// (default 6; negative: never), the first UpgradeDelay after the link
	// was made (default 5s), doubling the wait up to UpgradeMaxDelay
	// (default 5 min). When a direct socket is made the link moves to it
	// without losing or repeating a byte.
	UpgradeAttempts int
	UpgradeDelay    time.Duration
	UpgradeMaxDelay time.Duration

	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if len(c.Key) != ed25519.PrivateKeySize {
		return errors.New("node: config: no key")
	}
	if c.Router == "" {
		return errors.New("node: config: no router address")
	}
	if idText, addr, ok := strings.Cut(c.Router, "@"); ok {
		id, err := proto.ParseID(idText)
		if err != nil || addr == "" {
			return fmt.Errorf("node: config: router %q: want HOST:PORT or ID@HOST:PORT", c.Router)
		}
		if c.RouterID != (proto.ID{}) && c.RouterID != id {
			return fmt.Errorf("node: config: router %q: pinned %s too", c.Router, c.RouterID)
		}
		c.Router, c.RouterID = addr, id
	}
	if c.Listen == "" {
		c.Listen = ":0"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.StepTimeout, time.Second)
	def(&c.ConnectTimeout, 20*time.Second)
	def(&c.KeepAlive, 15*time.Second)
	def(&c.IdleTimeout, 3*c.KeepAlive)
	def(&c.HandshakeTimeout, 5*time.Second)
	def(&c.MaxBackoff, 10*time.Second)
	def(&c.UpgradeDelay, 5*time.Second)
	def(&c.UpgradeMaxDelay, 5*time.Minute)
	if c.UpgradeAttempts == 0 {
		c.UpgradeAttempts = 6
	}
	if c.SimOpenAttempts <= 0 {
		c.SimOpenAttempts = 3
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
