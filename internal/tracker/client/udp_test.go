package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"shoal/internal/bt"
)

// fakeUDPTracker is a BEP 15 tracker on the loopback interface. It hands
// out connection ids, drops requests with unknown ones, and answers as its
// fields say.
type fakeUDPTracker struct {
	conn *net.UDPConn
	v6   bool
	done chan struct{}

	mu            sync.Mutex
	nextConnID    uint64
	connIDs       map[uint64]bool
	connects      int
	requests      int      // announces and scrapes with a valid connection id
	dropRequests  int      // announces and scrapes to ignore
	wrongTIDFirst bool     // send a decoy with another transaction id first
	failWith      string   // answer announces with an error
	peers         []string // peers to return
	extraScrape   bool     // answer scrapes with one entry too many
	lastAnnounce  []byte
}

func newFakeUDPTracker(t *testing.T, network, addr string) *fakeUDPTracker {
	t.Helper()
	la, err := net.ResolveUDPAddr(network, addr)
	if err != nil {
		t.Skip(err)
	}
	conn, err := net.ListenUDP(network, la)
	if err != nil {
		t.Skip(err)
	}
	f := &fakeUDPTracker{conn: conn, v6: network == "udp6", done: make(chan struct{}), connIDs: make(map[uint64]bool), nextConnID: 1000}
	go f.serve()
	t.Cleanup(func() {
		conn.Close()
		<-f.done
	})
	return f
}

func (f *fakeUDPTracker) url() string {
	return "udp://" + f.conn.LocalAddr().String() + "/announce?passkey=p"
}

func (f *fakeUDPTracker) serve() {
	defer close(f.done)
	buf := make([]byte, 2048)
	for {
		n, from, err := f.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		for _, out := range f.handle(buf[:n]) {
			f.conn.WriteToUDPAddrPort(out, from)
		}
	}
}

func (f *fakeUDPTracker) handle(pkt []byte) [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	be := binary.BigEndian
	if len(pkt) < 16 {
		return nil
	}
	connID, action, tid := be.Uint64(pkt), be.Uint32(pkt[8:]), be.Uint32(pkt[12:])
	if action == actionConnect {
		if connID != udpProtocolID {
			return nil
		}
		f.connects++
		f.nextConnID++
		f.connIDs[f.nextConnID] = true
		return [][]byte{udpReply(actionConnect, tid, binary.BigEndian.AppendUint64(nil, f.nextConnID))}
	}
	if !f.connIDs[connID] {
		return nil
	}
	f.requests++
	if f.dropRequests > 0 {
		f.dropRequests--
		return nil
	}
	var out [][]byte
	if f.wrongTIDFirst {
		out = append(out, udpReply(action, tid+1, u32s(1, 0, 0), compact(f.v6, "[::ffff:10.9.9.9]:9")))
	}
	switch action {
	case actionAnnounce:
		if len(pkt) < udpAnnounceLen {
			return nil
		}
		f.lastAnnounce = slices.Clone(pkt)
		if f.failWith != "" {
			return append(out, udpReply(actionError, tid, []byte(f.failWith)))
		}
		return append(out, udpReply(actionAnnounce, tid, u32s(300, 7, 8), compact(f.v6, f.peers...)))
	case actionScrape:
		hashes := pkt[16:]
		var body []byte
		for i := 0; i+20 <= len(hashes); i += 20 {
			body = append(body, u32s(uint32(hashes[i]), uint32(hashes[i])+1, uint32(hashes[i])+2)...)
		}
		if f.extraScrape {
			body = append(body, u32s(1, 1, 1)...)
		}
		return append(out, udpReply(actionScrape, tid, body))
	}
	return nil
}

// set changes the tracker's behaviour.
func (f *fakeUDPTracker) set(fn func(f *fakeUDPTracker)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeUDPTracker) counts() (connects, requests int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.connects, f.requests
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newUDPClient(clk *clock) *Client {
	return New(Config{
		UDPTimeout:    50 * time.Millisecond,
		UDPMaxRetries: 3,
		Now:           clk.Now,
		Rand:          rand.New(rand.NewPCG(1, 2)),
	})
}

func TestUDPAnnounce(t *testing.T) {
	f := newFakeUDPTracker(t, "udp4", "127.0.0.1:0")
	f.set(func(f *fakeUDPTracker) {
		f.peers = []string{"[::ffff:10.0.0.1]:6881", "[::ffff:10.0.0.2]:6882", "[::ffff:10.0.0.1]:6881"}
	})
	clk := &clock{now: time.Unix(1e9, 0)}
	c := newUDPClient(clk)
	req := testRequest()
	req.NumWant = 20

	resp, err := c.Announce(t.Context(), f.url(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := Response{Interval: 5 * time.Minute, Incomplete: 7, Complete: 8, Peers: addrPorts("10.0.0.1:6881", "10.0.0.2:6882")}
	if !equalResponse(resp, want) {
		t.Errorf("got  %+v\nwant %+v", resp, want)
	}
	f.mu.Lock()
	last := f.lastAnnounce
	f.mu.Unlock()
	if !bytes.Equal(last[16:36], req.InfoHash[:]) || binary.BigEndian.Uint32(last[92:]) != 20 ||
		binary.BigEndian.Uint16(last[96:]) != req.Port || binary.BigEndian.Uint32(last[80:]) != 2 {
		t.Errorf("announce request %x", last)
	}
	if opt := last[udpAnnounceLen:]; !bytes.Equal(opt, append([]byte{2, 19}, "/announce?passkey=p"...)) {
		t.Errorf("BEP 41 option %q", opt)
	}

	// The connection id is reused within a minute and renewed after.
	if _, err := c.Announce(t.Context(), f.url(), req); err != nil {
		t.Fatal(err)
	}
	if connects, requests := f.counts(); connects != 1 || requests != 2 {
		t.Errorf("connects %d, requests %d; want 1, 2", connects, requests)
	}
	clk.advance(udpConnIDLifetime)
	if _, err := c.Announce(t.Context(), f.url(), req); err != nil {
		t.Fatal(err)
	}
	if connects, requests := f.counts(); connects != 2 || requests != 3 {
		t.Errorf("after expiry: connects %d, requests %d; want 2, 3", connects, requests)
	}
}

func TestUDPAnnounceIPv6(t *testing.T) {
	f := newFakeUDPTracker(t, "udp6", "[::1]:0")
	f.set(func(f *fakeUDPTracker) { f.peers = []string{"[2001:db8::1]:6881", "[::ffff:10.0.0.1]:1"} })
	resp, err := newUDPClient(&clock{}).Announce(t.Context(), f.url(), testRequest())
	if err != nil {
		t.Fatal(err)
	}
	if want := addrPorts("[2001:db8::1]:6881", "10.0.0.1:1"); !slices.Equal(resp.Peers, want) {
		t.Errorf("peers %v, want %v", resp.Peers, want)
	}
}

func TestUDPRetryAfterDrop(t *testing.T) {
	f := newFakeUDPTracker(t, "udp4", "127.0.0.1:0")
	f.set(func(f *fakeUDPTracker) { f.peers = []string{"[::ffff:10.0.0.1]:6881"} })
	f.set(func(f *fakeUDPTracker) { f.dropRequests = 1 })
	resp, err := newUDPClient(&clock{}).Announce(t.Context(), f.url(), testRequest())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Peers) != 1 {
		t.Errorf("peers %v", resp.Peers)
	}
	// The timed out connection id is dropped, so the retry connects again.
	if connects, requests := f.counts(); connects != 2 || requests != 2 {
		t.Errorf("connects %d, requests %d; want 2, 2", connects, requests)
	}
}

func TestUDPWrongTransactionIDIgnored(t *testing.T) {
	f := newFakeUDPTracker(t, "udp4", "127.0.0.1:0")
	f.set(func(f *fakeUDPTracker) { f.peers = []string{"[::ffff:10.0.0.1]:6881"} })
	f.set(func(f *fakeUDPTracker) { f.wrongTIDFirst = true })
	resp, err := newUDPClient(&clock{}).Announce(t.Context(), f.url(), testRequest())
	if err != nil {
		t.Fatal(err)
	}
	if want := addrPorts("10.0.0.1:6881"); !slices.Equal(resp.Peers, want) {
		t.Errorf("peers %v, want %v", resp.Peers, want)
	}
}

func TestUDPError(t *testing.T) {
	f := newFakeUDPTracker(t, "udp4", "127.0.0.1:0")
	f.set(func(f *fakeUDPTracker) { f.failWith = "unregistered torrent" })
	f.set(func(f *fakeUDPTracker) { f.wrongTIDFirst = true })
	c := newUDPClient(&clock{})
	_, err := c.Announce(t.Context(), f.url(), testRequest())
	var fe *FailureError
	if !errors.As(err, &fe) || fe.Reason != "unregistered torrent" {
		t.Fatalf("error %v, want failure", err)
	}
	// An error drops the connection id.
	f.set(func(f *fakeUDPTracker) { f.failWith = "" })
	if _, err := c.Announce(t.Context(), f.url(), testRequest()); err != nil {
		t.Fatal(err)
	}
	if connects, _ := f.counts(); connects != 2 {
		t.Errorf("connects %d, want 2", connects)
	}
}

func TestUDPScrape(t *testing.T) {
	f := newFakeUDPTracker(t, "udp4", "127.0.0.1:0")
	hashes := make([]bt.InfoHash, maxScrapeHashes+5)
	for i := range hashes {
		hashes[i][0] = byte(i)
		hashes[i][1] = 1
	}
	got, err := newUDPClient(&clock{}).Scrape(t.Context(), f.url(), hashes)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(hashes) {
		t.Fatalf("%d results, want %d", len(got), len(hashes))
	}
	for _, h := range hashes {
		n := int(h[0])
		if want := (ScrapeResult{Complete: n, Downloaded: n + 1, Incomplete: n + 2}); got[h] != want {
			t.Errorf("%x: %+v, want %+v", h[:2], got[h], want)
		}
	}
	if connects, requests := f.counts(); connects != 1 || requests != 2 {
		t.Errorf("connects %d, requests %d; want 1, 2", connects, requests)
	}
}

func TestUDPScrapeTooManyEntries(t *testing.T) {
	f := newFakeUDPTracker(t, "udp4", "127.0.0.1:0")
	f.set(func(f *fakeUDPTracker) { f.extraScrape = true })
	_, err := newUDPClient(&clock{}).Scrape(t.Context(), f.url(), []bt.InfoHash{{1}})
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("error %v, want ErrMalformed", err)
	}
}

func TestUDPNoReply(t *testing.T) {
	f := newFakeUDPTracker(t, "udp4", "127.0.0.1:0")
	f.set(func(f *fakeUDPTracker) { f.dropRequests = 100 })
	c := New(Config{UDPTimeout: 10 * time.Millisecond, UDPMaxRetries: 2})
	start := time.Now()
	_, err := c.Announce(t.Context(), f.url(), testRequest())
	if !errors.Is(err, ErrNoReply) {
		t.Fatalf("error %v, want timeout", err)
	}
	// 10 + 20 + 40 ms of waiting.
	if d := time.Since(start); d < 70*time.Millisecond {
		t.Errorf("gave up after %v", d)
	}
	if connects, requests := f.counts(); connects != 3 || requests != 3 {
		t.Errorf("connects %d, requests %d; want 3, 3", connects, requests)
	}
}

func TestUDPContextEnds(t *testing.T) {
	f := newFakeUDPTracker(t, "udp4", "127.0.0.1:0")
	f.set(func(f *fakeUDPTracker) { f.dropRequests = 100 })
	c := New(Config{UDPTimeout: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Announce(ctx, f.url(), testRequest())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want deadline exceeded", err)
	}

	ctx, cancel = context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = c.Announce(ctx, f.url(), testRequest())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want canceled", err)
	}
}

func TestUDPPortClosed(t *testing.T) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := conn.LocalAddr().String()
	conn.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	// The ICMP port unreachable ends the announce before any timeout.
	_, err = New(Config{UDPTimeout: time.Hour}).Announce(ctx, "udp://"+addr, testRequest())
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want connection refused", err)
	}
}

func TestUDPNoPort(t *testing.T) {
	if _, err := New(Config{}).Announce(t.Context(), "udp://127.0.0.1/announce", Request{}); err == nil {
		t.Error("announce without port succeeded")
	}
}
