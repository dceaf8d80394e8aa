package node_test

import (
	"testing"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/rendezvous/router"
)

func TestDirectSameRouter(t *testing.T) {
	r := startRouter(t, router.Config{})
	a := startNode(t, r, node.Config{})
	b := startNode(t, r, node.Config{})
	echo(t, b)
	l, err := a.Dial(t.Context(), b.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.RemoteID() != b.ID() {
		t.Errorf("remote %s, want %s", l.RemoteID(), b.ID())
	}
	if l.Kind() != node.KindLAN { // both are behind 127.0.0.1
		t.Errorf("kind %v, want lan", l.Kind())
	}
	roundTrip(t, l, "hello")
}

func TestForcedStrategies(t *testing.T) {
	for _, s := range []proto.Strategy{proto.StrategyDirect, proto.StrategyConnectBack} {
		t.Run(s.String(), func(t *testing.T) {
			r := startRouter(t, router.Config{Plan: []proto.Strategy{s}})
			a := startNode(t, r, node.Config{})
			b := startNode(t, r, node.Config{})
			echo(t, b)
			l, err := a.Dial(t.Context(), b.ID())
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if l.Kind() != node.Kind(s) {
				t.Errorf("kind %v, want %v", l.Kind(), s)
			}
			roundTrip(t, l, "hi")
		})
	}
}

func TestSimultaneousOpen(t *testing.T) {
	r := startRouter(t, router.Config{Plan: []proto.Strategy{proto.StrategySimOpen}})
	a := startNode(t, r, node.Config{})
	b := startNode(t, r, node.Config{})
	echo(t, b)
	l, err := a.Dial(t.Context(), b.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Kind() != node.KindSimOpen {
		t.Errorf("kind %v, want simultaneous-open", l.Kind())
	}
	roundTrip(t, l, "punched")
}

func TestRelayFallback(t *testing.T) {
	r := startRouter(t, router.Config{Relay: true})
	a := startNode(t, r, node.Config{NoDirect: true})
	b := startNode(t, r, node.Config{NoDirect: true})
	echo(t, b)
	l, err := a.Dial(t.Context(), b.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Kind() != node.KindRelayed {
		t.Errorf("kind %v, want relayed", l.Kind())
	}
	roundTrip(t, l, "via the router")
	if got := r.Stats().RelayedBytes; got == 0 {
		t.Error("router relayed no bytes")
	}
}

func TestCrossClusterRelay(t *testing.T) {
	ra, rb := federated(t, router.Config{Relay: true}, router.Config{Relay: true})
	a := startNode(t, ra, node.Config{NoDirect: true})
	b := startNode(t, rb, node.Config{NoDirect: true})
	echo(t, b)
	l, err := a.Dial(t.Context(), b.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Kind() != node.KindRelayed {
		t.Errorf("kind %v, want relayed", l.Kind())
	}
	roundTrip(t, l, "via two routers")
	if ra.Stats().RelayedBytes == 0 || rb.Stats().RelayedBytes == 0 {
		t.Errorf("relayed bytes %d and %d, want both > 0", ra.Stats().RelayedBytes, rb.Stats().RelayedBytes)
	}
}
