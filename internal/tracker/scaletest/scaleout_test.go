package scaletest

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/redistest"
	"shoal/internal/tracker/client"
	"shoal/internal/tracker/server"
	"shoal/internal/tracker/store"
)

// converge bounds the wait for one tracker to see another's change: the
// change is flushed within a flush interval (1s for shoal tracker) and then
// published at once.
const converge = 20 * time.Second

// tracker is one tracker as the scenario sees it.
type tracker struct {
	name string
	http string // announce URLs
	udp  string
}

func infoHash(n byte) bt.InfoHash { return bt.InfoHash{0: 's', 1: 'c', 2: n, 19: n} }

func peerID(n int) bt.PeerID {
	var p bt.PeerID
	copy(p[:], fmt.Sprintf("-SC0001-%012d", n))
	return p
}

// eventually retries check until it returns nil or converge passes.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(converge)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// announcer announces peers on 127.0.0.1 to the trackers.
type announcer struct {
	t *testing.T
	c *client.Client
	h bt.InfoHash
}

func newAnnouncer(t *testing.T, h bt.InfoHash) *announcer {
	return &announcer{t: t, c: client.New(client.Config{UDPTimeout: time.Second, UDPMaxRetries: 2}), h: h}
}

func (a *announcer) announce(url string, n int, left int64, ev client.Event) (client.Response, error) {
	ctx, cancel := context.WithTimeout(a.t.Context(), 10*time.Second)
	defer cancel()
	return a.c.Announce(ctx, url, client.Request{
		InfoHash: a.h, PeerID: peerID(n), Port: uint16(7000 + n), Left: left, Event: ev, NumWant: 50,
	})
}

// sees announces peer n to url until the reply lists the peers want.
func (a *announcer) sees(tr tracker, url string, n int, left int64, want ...int) {
	a.t.Helper()
	eventually(a.t, fmt.Sprintf("peer %d announcing to %s (%s)", n, tr.name, url), func() error {
		r, err := a.announce(url, n, left, client.None)
		if err != nil {
			return err
		}
		for _, w := range want {
			if !slices.Contains(r.Peers, netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", 7000+w))) {
				return fmt.Errorf("peer %d not among %v", w, r.Peers)
			}
		}
		return nil
	})
}

// scrapes waits until every tracker scrapes the counts want.
func (a *announcer) scrapes(trackers []tracker, want client.ScrapeResult) {
	a.t.Helper()
	for _, tr := range trackers {
		for _, url := range []string{tr.http, tr.udp} {
			eventually(a.t, "scrape of "+tr.name+" ("+url+")", func() error {
				ctx, cancel := context.WithTimeout(a.t.Context(), 10*time.Second)
				defer cancel()
				m, err := a.c.Scrape(ctx, url, []bt.InfoHash{a.h})
				if err != nil {
					return err
				}
				if got := m[a.h]; got != want {
					return fmt.Errorf("scrape %+v, want %+v", got, want)
				}
				return nil
			})
		}
	}
}

// shareOneView runs the scale-out scenario over two trackers sharing a
// store: each tracker hands out the peers that announced to the other, over
// HTTP and UDP, and completed and stopped events show in both scrapes.
func shareOneView(t *testing.T, a *announcer, t1, t2 tracker) {
	t.Helper()
	// Peer 1 starts on tracker 1, peer 2 on tracker 2 (over UDP).
	if _, err := a.announce(t1.http, 1, 100, client.Started); err != nil {
		t.Fatal(err)
	}
	if _, err := a.announce(t2.udp, 2, 100, client.Started); err != nil {
		t.Fatal(err)
	}
	a.sees(t2, t2.http, 2, 100, 1)
	a.sees(t1, t1.udp, 1, 100, 2)
	a.scrapes([]tracker{t1, t2}, client.ScrapeResult{Incomplete: 2})

	// Peer 1 completes, telling tracker 2; peer 3 joins tracker 1 as a
	// leecher and gets both.
	if _, err := a.announce(t2.http, 1, 0, client.Completed); err != nil {
		t.Fatal(err)
	}
	a.scrapes([]tracker{t1, t2}, client.ScrapeResult{Complete: 1, Incomplete: 1, Downloaded: 1})
	a.sees(t1, t1.http, 3, 50, 1, 2)

	// Peer 2 stops on tracker 1, where it never announced itself.
	if _, err := a.announce(t1.http, 2, 100, client.Stopped); err != nil {
		t.Fatal(err)
	}
	a.scrapes([]tracker{t1, t2}, client.ScrapeResult{Complete: 1, Incomplete: 1, Downloaded: 1})
	eventually(t, "peer 2 gone from tracker 2", func() error {
		r, err := a.announce(t2.http, 3, 50, client.None)
		if err != nil {
			return err
		}
		if slices.Contains(r.Peers, netip.MustParseAddrPort("127.0.0.1:7002")) {
			return fmt.Errorf("stopped peer 2 still listed: %v", r.Peers)
		}
		return nil
	})
}

func startServer(t *testing.T, url string) tracker {
	t.Helper()
	st, err := store.OpenRedis(t.Context(), url, store.RedisConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := server.New(server.Config{
		HTTPAddr:      "127.0.0.1:0",
		UDPAddr:       "127.0.0.1:0",
		Store:         st,
		FlushInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return tracker{http: s.AnnounceURL(), udp: s.UDPAnnounceURL()}
}

// TestServersShareRedis runs two tracker servers in this process on one
// Redis database.
func TestServersShareRedis(t *testing.T) {
	srv := redistest.Start(t)
	t1, t2 := startServer(t, srv.URL(0)), startServer(t, srv.URL(0))
	t1.name, t2.name = "server 1", "server 2"
	shareOneView(t, newAnnouncer(t, infoHash(1)), t1, t2)
}
