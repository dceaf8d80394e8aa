package node_test

import (
	"context"
	"crypto/ed25519"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/rendezvous/router"
)

func key(t testing.TB) ed25519.PrivateKey {
	k, err := proto.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// startRouter runs a router on 127.0.0.1 until the test ends.
func startRouter(t testing.TB, cfg router.Config) *router.Router {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = key(t)
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

// startNode runs a node on 127.0.0.1 registered at r until the test ends.
func startNode(t testing.TB, r *router.Router, cfg node.Config) *node.Node {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = key(t)
	}
	cfg.Router = r.Addr().String()
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

// federated starts two routers that pin each other (a dials b).
func federated(t testing.TB, ca, cb router.Config) (a, b *router.Router) {
	t.Helper()
	ka, kb := key(t), key(t)
	ca.Key, cb.Key = ka, kb
	ca.Cluster, cb.Cluster = "east", "west"
	cb.Accept = []proto.ID{proto.KeyID(ka)}
	b = startRouter(t, cb)
	ca.Federate = []router.Remote{{ID: proto.KeyID(kb), Addr: b.Addr().String()}}
	a = startRouter(t, ca)
	return a, b
}

// echo accepts links on n and echoes every byte until the test ends.
func echo(t testing.TB, n *node.Node) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			l, err := n.Accept(ctx)
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer l.Close()
				buf := make([]byte, 4096)
				for {
					k, err := l.Read(buf)
					if err != nil {
						return
					}
					if _, err := l.Write(buf[:k]); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
}

// roundTrip writes msg on l and reads it back.
func roundTrip(t testing.TB, l *node.Link, msg string) {
	t.Helper()
	l.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := l.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(l, buf); err != nil {
		t.Fatal(err)
	}
	if string(buf) != msg {
		t.Fatalf("echo %q, want %q", buf, msg)
	}
}
