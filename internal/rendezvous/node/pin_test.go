package node_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/rendezvous/router"
)

// TestRouterPinning registers with a router given as ID@HOST:PORT: with
// its own ID, and with another ID, which must fail.
func TestRouterPinning(t *testing.T) {
	r := startRouter(t, router.Config{})
	other := proto.KeyID(key(t))
	for _, tc := range []struct {
		name string
		pin  proto.ID
		ok   bool
	}{
		{"right id", r.ID(), true},
		{"wrong id", other, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := node.New(node.Config{Key: key(t), Router: tc.pin.String() + "@" + r.Addr().String(), Listen: "127.0.0.1:0"})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan struct{})
			go func() {
				defer close(done)
				n.Run(ctx)
			}()
			defer func() {
				cancel()
				<-done
			}()
			rctx, rcancel := context.WithTimeout(t.Context(), time.Second)
			defer rcancel()
			err = n.Ready(rctx)
			if tc.ok != (err == nil) {
				t.Fatalf("ready: %v", err)
			}
			if !tc.ok && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("ready: %v", err)
			}
		})
	}
	if _, err := node.New(node.Config{Key: key(t), Router: "nothex@127.0.0.1:1"}); err == nil {
		t.Error("bad pinned ID accepted")
	}
}
