package router

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"shoal/internal/rendezvous/proto"
)

// Remote is a federated router: its pinned ID and, for routers this one
// dials, its address.
type Remote struct {
	ID   proto.ID
	Addr string // HOST:PORT; empty for a router that dials in
}

// ParseRemote parses ID@HOST:PORT.
func ParseRemote(s string) (Remote, error) {
	idText, addr, ok := strings.Cut(s, "@")
	if !ok || addr == "" {
		return Remote{}, fmt.Errorf("router: federate %q: want ID@HOST:PORT", s)
	}
	id, err := proto.ParseID(idText)
	if err != nil {
		return Remote{}, fmt.Errorf("router: federate %q: %w", s, err)
	}
	return Remote{ID: id, Addr: addr}, nil
}

// Limits bound what peers may ask of a router.
type Limits struct {
	ConnectRate   float64 // connect requests a second per requesting peer
	ConnectBurst  int
	TargetRate    float64 // connect requests a second per target
	TargetBurst   int
	RegisterRate  float64 // registrations a second per source IP
	RegisterBurst int
	PerIP         int // sessions per source IP (many peers share a NAT)
	Sessions      int // sessions in all
	Handshakes    int // unauthenticated connections at once
}

// DefaultLimits allow a busy NAT with hundreds of peers and stop floods:
// 256 peers behind one public address may register at once (then 50 a
// second), and up to 1024 may stay registered.
var DefaultLimits = Limits{
	ConnectRate: 10, ConnectBurst: 20,
	TargetRate: 20, TargetBurst: 40,
	RegisterRate: 50, RegisterBurst: 256,
	PerIP: 1024, Sessions: 100000, Handshakes: 1024,
}

// Config configures a Router.
type Config struct {
	Key     ed25519.PrivateKey // required
	Cluster string             // required, at most 255 bytes
	Listen  string             // TCP address, e.g. ":7000" or "198.18.0.10:7000"

	Federate []Remote   // routers to dial
	Accept   []proto.ID // routers allowed to dial in (those in Federate are too)

	Limits Limits // zero fields take DefaultLimits

	HandshakeTimeout time.Duration // default 5s
	ConnectTimeout   time.Duration // lookup + target answer, default 5s
	PairTTL          time.Duration // how long an introduced pair may still ask for relay, default 30s
	LookupTTL        time.Duration // how long a federated lookup is cached, default 30s
	PingInterval     time.Duration // keep-alive and RTT probe, default 15s
	IdleTimeout      time.Duration // close a silent connection, default 3*PingInterval
	SimOpenMargin    time.Duration // head start before simultaneous-open dials, default 30ms

	Relay            bool          // relay when direct links fail
	RelayMaxBytes    int64         // per pair and direction, default 64 MiB
	RelayMaxDuration time.Duration // per pair, default 10 min

	// Plan, when set, replaces the computed plan (labs and tests).
	Plan []proto.Strategy

	Logger *slog.Logger
	Rand   func([]byte) // fills nonces and tokens; default crypto/rand
}

func (c *Config) setDefaults() error {
	if len(c.Key) != ed25519.PrivateKeySize {
		return errors.New("router: config: no key")
	}
	if c.Cluster == "" || len(c.Cluster) > 255 {
		return errors.New("router: config: cluster name must be 1 to 255 bytes")
	}
	if c.Listen == "" {
		c.Listen = ":7000"
	}
	orDefault(&c.HandshakeTimeout, 5*time.Second)
	orDefault(&c.ConnectTimeout, 5*time.Second)
	orDefault(&c.PairTTL, 30*time.Second)
	orDefault(&c.LookupTTL, 30*time.Second)
	orDefault(&c.PingInterval, 15*time.Second)
	orDefault(&c.IdleTimeout, 3*c.PingInterval)
	orDefault(&c.SimOpenMargin, 30*time.Millisecond)
	orDefault(&c.RelayMaxDuration, 10*time.Minute)
	orDefault(&c.RelayMaxBytes, 64<<20)
	l, d := &c.Limits, DefaultLimits
	orDefault(&l.ConnectRate, d.ConnectRate)
	orDefault(&l.ConnectBurst, d.ConnectBurst)
	orDefault(&l.TargetRate, d.TargetRate)
	orDefault(&l.TargetBurst, d.TargetBurst)
	orDefault(&l.RegisterRate, d.RegisterRate)
	orDefault(&l.RegisterBurst, d.RegisterBurst)
	orDefault(&l.PerIP, d.PerIP)
	orDefault(&l.Sessions, d.Sessions)
	orDefault(&l.Handshakes, d.Handshakes)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Rand == nil {
		c.Rand = func(b []byte) { _, _ = rand.Read(b) }
	}
	return nil
}

// orDefault sets *v to d when it is zero or negative.
func orDefault[T int | int64 | float64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}
