package node_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/rdvtest"
)

// Routers and nodes on loopback, from the shared test helpers.
var (
	key         = rdvtest.Key
	startRouter = rdvtest.StartRouter
	startNode   = rdvtest.StartNode
	federated   = rdvtest.Federated
)

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
