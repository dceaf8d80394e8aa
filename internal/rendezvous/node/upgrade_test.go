package node_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/router"
)

// upgradeConfig retries the upgrade quickly.
func upgradeConfig() node.Config {
	return node.Config{
		StepTimeout: 100 * time.Millisecond, UpgradeAttempts: 20,
		UpgradeDelay: 100 * time.Millisecond, UpgradeMaxDelay: 200 * time.Millisecond,
	}
}

// pattern is the byte at offset i of the test stream.
func pattern(i int64) byte { return byte(i*7 + i>>11) }

// TestRelayUpgrade starts a pair relayed (every direct attempt fails),
// streams bytes through an echo, lets direct links work mid-stream and
// checks that the link moves to a direct socket, that every byte comes
// back once and in order, and that the routers relay nothing after that.
func TestRelayUpgrade(t *testing.T) {
	for _, cross := range []bool{false, true} {
		t.Run(map[bool]string{false: "same router", true: "two clusters"}[cross], func(t *testing.T) {
			var ra, rb *router.Router
			routers := func() int64 { return ra.Stats().RelayedBytes }
			if cross {
				ra, rb = federated(t, router.Config{Relay: true}, router.Config{Relay: true})
				routers = func() int64 { return ra.Stats().RelayedBytes + rb.Stats().RelayedBytes }
			} else {
				ra = startRouter(t, router.Config{Relay: true})
				rb = ra
			}
			a := startNode(t, ra, upgradeConfig())
			b := startNode(t, rb, upgradeConfig())
			node.SetFailDirect(a, true)
			node.SetFailDirect(b, true)
			echo(t, b)
			l, err := a.Dial(t.Context(), b.ID())
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if l.Kind() != node.KindRelayed {
				t.Fatalf("kind %v, want relayed", l.Kind())
			}
			l.SetDeadline(time.Now().Add(20 * time.Second))

			var sent atomic.Int64
			stop := make(chan struct{})
			werr := make(chan error, 1)
			go func() { // writes the pattern in uneven chunks until stop
				buf := make([]byte, 70000)
				var off int64
				for k := 0; ; k++ {
					select {
					case <-stop:
						werr <- nil
						return
					default:
					}
					n := 1 + (k*997)%len(buf)
					for i := range n {
						buf[i] = pattern(off + int64(i))
					}
					if _, err := l.Write(buf[:n]); err != nil {
						werr <- err
						return
					}
					off += int64(n)
					sent.Store(off)
					time.Sleep(time.Millisecond)
				}
			}()
			var got atomic.Int64
			rerr := make(chan error, 1)
			go func() { // reads the echo and checks every byte
				buf := make([]byte, 50000)
				var off int64
				for {
					n, err := l.Read(buf)
					for i := range n {
						if buf[i] != pattern(off+int64(i)) {
							rerr <- fmt.Errorf("byte %d is %d, want %d", off+int64(i), buf[i], pattern(off+int64(i)))
							return
						}
					}
					off += int64(n)
					got.Store(off)
					if err != nil {
						rerr <- err
						return
					}
				}
			}()
			waitFor(t, "bytes through the relay", func() bool { return got.Load() > 200000 })
			if l.Kind() != node.KindRelayed {
				t.Fatalf("kind %v while direct links fail", l.Kind())
			}
			node.SetFailDirect(a, false)
			node.SetFailDirect(b, false)
			waitFor(t, "the upgrade", func() bool { return l.Kind().Direct() })
			atUpgrade := sent.Load()
			waitFor(t, "bytes over the direct link", func() bool { return got.Load() > atUpgrade+300000 })
			relayed := routers()
			mark := sent.Load()
			waitFor(t, "more bytes over the direct link", func() bool { return got.Load() > mark+300000 })
			close(stop)
			if err := <-werr; err != nil {
				t.Fatalf("write: %v", err)
			}
			total := sent.Load()
			waitFor(t, "the last bytes", func() bool { return got.Load() >= total })
			if relayed == 0 || relayed > 2*2*(atUpgrade+(1<<20)) {
				t.Errorf("routers relayed %d bytes; %d were sent before the upgrade", relayed, atUpgrade)
			}
			if again := routers(); again != relayed {
				t.Errorf("routers relayed %d more bytes after the upgrade", again-relayed)
			}
			l.Close()
			if err := <-rerr; !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				t.Logf("reader ended with %v", err)
			}
			if got.Load() != total {
				t.Errorf("got %d bytes back, sent %d", got.Load(), total)
			}
			t.Logf("%d bytes, %d of them sent before the upgrade to %v; routers relayed %d", total, atUpgrade, l.Kind(), relayed)
		})
	}
}

// TestUpgradeGivesUp checks that a link whose direct attempts always fail
// stays relayed and working, and that the upgrade stops after its
// attempts.
func TestUpgradeGivesUp(t *testing.T) {
	r := startRouter(t, router.Config{Relay: true})
	cfg := upgradeConfig()
	cfg.UpgradeAttempts = 3
	cfg.UpgradeDelay, cfg.UpgradeMaxDelay = 50*time.Millisecond, 100*time.Millisecond
	a := startNode(t, r, cfg)
	b := startNode(t, r, cfg)
	node.SetFailDirect(a, true)
	node.SetFailDirect(b, true)
	echo(t, b)
	l, err := a.Dial(t.Context(), b.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// 3 attempts: waits of 50+100+100 ms, each attempt a plan of at most
	// four 100 ms steps.
	waitFor(t, "three upgrade attempts", func() bool { return r.Stats().Connects >= 4 })
	time.Sleep(time.Second)
	if got := r.Stats().Connects; got != 4 {
		t.Errorf("%d introductions, want 1 and 3 upgrade attempts", got)
	}
	if l.Kind() != node.KindRelayed {
		t.Errorf("kind %v, want relayed", l.Kind())
	}
	roundTrip(t, l, "still relayed")
}

// TestNoUpgradeWhenNoDirect checks that NoDirect links never ask.
func TestNoUpgradeWhenNoDirect(t *testing.T) {
	r := startRouter(t, router.Config{Relay: true})
	cfg := upgradeConfig()
	cfg.NoDirect = true
	a := startNode(t, r, cfg)
	b := startNode(t, r, cfg)
	echo(t, b)
	l, err := a.Dial(t.Context(), b.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	time.Sleep(500 * time.Millisecond)
	if got := r.Stats().Connects; got != 1 {
		t.Errorf("%d introductions, want 1", got)
	}
	roundTrip(t, l, "relayed")
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
