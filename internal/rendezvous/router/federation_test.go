package router

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shoal/internal/rendezvous/proto"
)

// countHandler counts log records whose message has a prefix.
type countHandler struct {
	prefix string
	n      *atomic.Int64
}

func (h countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, h.prefix) {
		h.n.Add(1)
	}
	return nil
}
func (h countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countHandler) WithGroup(string) slog.Handler      { return h }

// Two routers that pin each other both dial; they must settle on one
// connection rather than replace each other's in turn.
func TestMutualFederationSettles(t *testing.T) {
	var keys [2][]byte
	var lns [2]net.Listener
	for i := range 2 {
		k, err := proto.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
		if lns[i], err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	var federated atomic.Int64
	log := slog.New(countHandler{"router: federated", &federated})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	var routers [2]*Router
	for i := range 2 {
		other := 1 - i
		r, err := New(Config{
			Key:      keys[i],
			Cluster:  "c" + string(rune('a'+i)),
			Federate: []Remote{{ID: proto.KeyID(keys[other]), Addr: lns[other].Addr().String()}},
			Logger:   log,
		})
		if err != nil {
			t.Fatal(err)
		}
		routers[i] = r
		go func() { r.Serve(ctx, lns[i]); done <- struct{}{} }()
	}
	t.Cleanup(func() { cancel(); <-done; <-done })

	time.Sleep(1500 * time.Millisecond)
	if n := federated.Load(); n < 1 || n > 2 {
		t.Fatalf("%d federation connections made in 1.5 s, want 1 or 2", n)
	}
	for i, r := range routers {
		r.mu.Lock()
		up := r.core.feds[proto.KeyID(keys[1-i])] != nil
		r.mu.Unlock()
		if !up {
			t.Errorf("router %d is not federated", i)
		}
	}
}
