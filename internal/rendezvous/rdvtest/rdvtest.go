package rdvtest

import (
	"context"
	"crypto/ed25519"
	"net"
	"testing"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/rendezvous/router"
)

// Key returns a fresh identity key.
func Key(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	k, err := proto.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// StartRouter runs a router on 127.0.0.1 until the test ends and returns
// it once it listens. A nil key gets a fresh one, an empty cluster "test".
func StartRouter(t testing.TB, cfg router.Config) *router.Router {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = Key(t)
	}
	if cfg.Cluster == "" {
		cfg.Cluster = "test"
	}
	r, err := router.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Serve(ctx, ln)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	for r.Addr() == nil {
		time.Sleep(time.Millisecond)
	}
	return r
}

// Federated starts two routers of clusters "east" (a) and "west" (b) that
// pin each other, a dialing b, and returns once they are federated.
func Federated(t testing.TB, ca, cb router.Config) (a, b *router.Router) {
	t.Helper()
	ka, kb := Key(t), Key(t)
	ca.Key, cb.Key = ka, kb
	ca.Cluster, cb.Cluster = "east", "west"
	cb.Accept = []proto.ID{proto.KeyID(ka)}
	b = StartRouter(t, cb)
	ca.Federate = []router.Remote{{ID: proto.KeyID(kb), Addr: b.Addr().String()}}
	a = StartRouter(t, ca)
	deadline := time.Now().Add(10 * time.Second)
	for !a.Federated(b.ID()) || !b.Federated(a.ID()) {
		if time.Now().After(deadline) {
			t.Fatal("routers did not federate")
		}
		time.Sleep(time.Millisecond)
	}
	return a, b
}

// StartNode runs a node registered at r until the test ends and returns it
// once registered. A nil key gets a fresh one; an empty listen address
// means 127.0.0.1 on any port.
func StartNode(t testing.TB, r *router.Router, cfg node.Config) *node.Node {
	t.Helper()
	return StartNodeAt(t, r.Addr().String(), cfg)
}

// StartNodeAt is StartNode for a router (or something posing as one) at
// the address addr.
func StartNodeAt(t testing.TB, addr string, cfg node.Config) *node.Node {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = Key(t)
	}
	cfg.Router = addr
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	n, err := node.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer rcancel()
	if err := n.Ready(rctx); err != nil {
		t.Fatalf("node not ready: %v", err)
	}
	return n
}
