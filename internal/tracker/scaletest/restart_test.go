package scaletest

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/client"
)

// flushWait is how long the test waits for shoal tracker to write what it was
// told to its --data folder: three of its flush intervals (1s).
const flushWait = 3 * time.Second

// TestRestartAfterKill runs shoal tracker on a --data folder, has peers
// announce to three torrents over HTTP and UDP, kills the process with
// SIGKILL once the changes have been flushed, and starts it again on the same
// folder and addresses. Scrapes over both protocols show the same swarms with
// the same seeders, leechers and completed counts, and a new peer is handed
// the old peers (which stay until they expire, an hour by default).
func TestRestartAfterKill(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freeTCPUDPPort(t)))
	args := []string{"--http", addr, "--udp", addr, "--data", data, "--rate-limit", "0"}
	p1 := runTracker(t, "tracker", args...)

	a, b, c := infoHash(20), infoHash(21), infoHash(22)
	hashes := []bt.InfoHash{a, b, c}
	steps := []struct {
		proto string // "http" or "udp"
		hash  bt.InfoHash
		peer  int
		left  int64
		ev    client.Event
	}{
		{"http", a, 1, 0, client.Started},   // a seeder
		{"udp", a, 2, 100, client.Started},  // a leecher
		{"http", a, 3, 100, client.Started}, // a leecher that completes over UDP
		{"udp", a, 3, 0, client.Completed},
		{"udp", b, 4, 100, client.Started}, // two leechers
		{"http", b, 5, 60, client.Started},
		{"udp", c, 6, 0, client.Started},    // a seeder
		{"http", c, 7, 100, client.Started}, // a leecher that completes over HTTP
		{"http", c, 7, 0, client.Completed},
		{"udp", c, 8, 100, client.Started}, // a peer that leaves
		{"udp", c, 8, 100, client.Stopped},
	}
	want := map[bt.InfoHash]client.ScrapeResult{
		a: {Complete: 2, Incomplete: 1, Downloaded: 1},
		b: {Incomplete: 2},
		c: {Complete: 2, Downloaded: 1},
	}
	peers := map[bt.InfoHash][]int{a: {1, 2, 3}, b: {4, 5}, c: {6, 7}}

	for _, s := range steps {
		url := p1.http
		if s.proto == "udp" {
			url = p1.udp
		}
		if _, err := announceOnce(t, url, s.hash, s.peer, s.left, s.ev); err != nil {
			t.Fatalf("peer %d, %s %v over %s: %v", s.peer, s.hash, s.ev, s.proto, err)
		}
	}
	checkScrapes(t, p1, hashes, want)

	time.Sleep(flushWait)
	p1.kill()
	if ws, ok := p1.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the tracker ended with %v, want death by SIGKILL", p1.cmd.ProcessState)
	}

	p2 := runTracker(t, "tracker restarted", args...)
	if p2.http != p1.http || p2.udp != p1.udp {
		t.Fatalf("restarted tracker serves %s and %s, want %s and %s", p2.http, p2.udp, p1.http, p1.udp)
	}
	// Its log (which reaches the test through a pipe of its own, maybe after
	// the announce URLs) says what it loaded.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		log := p2.stderr.String()
		if strings.Contains(log, "swarms=3 peers=7 expired=0") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("restarted tracker did not report loading 3 swarms of 7 peers in all:\n%s", log)
			break
		}
	}
	checkScrapes(t, p2, hashes, want)

	// A new leecher, over each protocol, is handed every peer of the swarm.
	for _, h := range hashes {
		for _, url := range []string{p2.udp, p2.http} {
			r, err := announceOnce(t, url, h, 9, 100, client.Started)
			if err != nil {
				t.Fatalf("new peer announcing %s to %s: %v", h, url, err)
			}
			var wantPeers []netip.AddrPort
			for _, n := range peers[h] {
				wantPeers = append(wantPeers, peerAddr(n))
			}
			got := slices.SortedFunc(slices.Values(r.Peers), netip.AddrPort.Compare)
			if !slices.Equal(got, wantPeers) {
				t.Errorf("after the restart, a new peer announcing %s to %s got %v, want %v", h, url, got, wantPeers)
			}
		}
	}
	if err := p2.stop(); err != nil {
		t.Error(err)
	}
}

// checkScrapes scrapes every hash at once over HTTP and over UDP and wants
// exactly want.
func checkScrapes(t *testing.T, p *trackerProc, hashes []bt.InfoHash, want map[bt.InfoHash]client.ScrapeResult) {
	t.Helper()
	for _, url := range []string{p.http, p.udp} {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		got, err := newClient().Scrape(ctx, url, hashes)
		cancel()
		if err != nil {
			t.Fatalf("%s: scrape %s: %v", p.name, url, err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("%s: scrape %s:\n got %v\nwant %v", p.name, url, got, want)
		}
	}
}

// newClient returns a tracker client for one request. Each UDP request goes
// out from a socket of its own, and shoal tracker binds a connection id to
// the source port as well as the address, so a connection id kept from an
// earlier request would be refused.
func newClient() *client.Client {
	return client.New(client.Config{UDPTimeout: time.Second, UDPMaxRetries: 2})
}

// announceOnce announces peer n (on 127.0.0.1, port 7000+n) to url.
func announceOnce(t *testing.T, url string, h bt.InfoHash, n int, left int64, ev client.Event) (client.Response, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return newClient().Announce(ctx, url, client.Request{
		InfoHash: h, PeerID: peerID(n), Port: uint16(7000 + n), Left: left, Event: ev, NumWant: 50,
	})
}

func peerAddr(n int) netip.AddrPort {
	return netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", 7000+n))
}

// freeTCPUDPPort returns a port free for both TCP and UDP on 127.0.0.1.
func freeTCPUDPPort(t *testing.T) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		u, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		u.Close()
		return port
	}
	t.Fatal("no port free for both TCP and UDP on 127.0.0.1")
	return 0
}
