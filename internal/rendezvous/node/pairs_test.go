package node_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/router"
)

// TestHundredPairsAcrossClusters links 100 peers of one router with 100
// peers of a federated router and checks that every pair talks over a
// direct link with the routers out of the data path.
func TestHundredPairsAcrossClusters(t *testing.T) {
	const pairs = 100
	ra, rb := federated(t, router.Config{Relay: true}, router.Config{Relay: true})
	as := make([]*node.Node, pairs)
	bs := make([]*node.Node, pairs)
	var wg sync.WaitGroup
	for i := range pairs {
		wg.Add(2)
		go func() { defer wg.Done(); as[i] = startNode(t, ra, node.Config{}) }()
		go func() { defer wg.Done(); bs[i] = startNode(t, rb, node.Config{}) }()
	}
	wg.Wait()
	for _, b := range bs {
		echo(t, b)
	}
	setup := make([]time.Duration, pairs)
	errs := make(chan error, pairs)
	for i := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := as[i].Dial(t.Context(), bs[i].ID())
			if err != nil {
				errs <- fmt.Errorf("pair %d: %w", i, err)
				return
			}
			defer l.Close()
			if !l.Kind().Direct() {
				errs <- fmt.Errorf("pair %d: kind %v", i, l.Kind())
				return
			}
			if l.RemoteID() != bs[i].ID() {
				errs <- fmt.Errorf("pair %d: remote %s", i, l.RemoteID())
				return
			}
			setup[i] = l.SetupTime()
			roundTrip(t, l, fmt.Sprintf("message %d", i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, r := range []*router.Router{ra, rb} {
		st := r.Stats()
		if st.RelayedBytes != 0 || st.Relays != 0 {
			t.Errorf("router relayed %d bytes in %d relays, want none", st.RelayedBytes, st.Relays)
		}
	}
	if got := ra.Stats().Connects; got != pairs {
		t.Errorf("router made %d introductions, want %d", got, pairs)
	}
	slices.Sort(setup)
	t.Logf("setup latency over %d pairs: p50 %v, p99 %v, max %v", pairs, setup[pairs/2], setup[pairs*99/100], setup[pairs-1])
}
