package server

import (
	"hash/maphash"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// clientFrom returns an HTTP client whose connections come from ip (any
// 127.0.0.0/8 address works on loopback).
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func getWith(t *testing.T, c *http.Client, u string) map[string]any {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return decodeResponse(t, resp)
}

func TestRateLimitHTTP(t *testing.T) {
	clk := newClock()
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", Now: clk.Now, RateLimit: 1, RateBurst: 3})
	one, two := clientFrom(t, "127.0.0.1"), clientFrom(t, "127.0.0.2")
	announce := func(c *http.Client, n int) string {
		return failureReason(getWith(t, c, announceURLFor(s, announceValues(ih(1), peerID(n), 6000+n, 1))))
	}
	for i := range 3 {
		if r := announce(one, i); r != "" {
			t.Fatalf("announce %d within the burst refused: %q", i, r)
		}
	}
	if r := announce(one, 3); r != reasonRateLimited {
		t.Errorf("announce over the burst: %q", r)
	}
	h := ih(1)
	scrape := statusURL(s) + "scrape?info_hash=" + url.QueryEscape(string(h[:]))
	if r := failureReason(getWith(t, one, scrape)); r != reasonRateLimited {
		t.Errorf("scrape over the burst: %q", r)
	}
	for _, path := range []string{"", "metrics"} {
		resp, err := one.Get(statusURL(s) + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("/%s over the limit: status %d", path, resp.StatusCode)
		}
	}
	// Another address has its own bucket.
	if r := announce(two, 10); r != "" {
		t.Errorf("other address refused: %q", r)
	}
	// The bucket refills at the rate.
	clk.Advance(time.Second)
	if r := announce(one, 4); r != "" {
		t.Errorf("announce after refill refused: %q", r)
	}
	if r := announce(one, 5); r != reasonRateLimited {
		t.Errorf("second announce after one second: %q", r)
	}
	body := fetchMetricsWith(t, two, s)
	for _, want := range []string{
		`shoal_tracker_errors_total{kind="rate_limited",protocol="http"} 3`,
		`shoal_tracker_rate_limited_addresses 2`,
	} {
		if !hasLine(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestRateLimitUDP(t *testing.T) {
	clk := newClock()
	s := startServer(t, Config{UDPAddr: "127.0.0.1:0", Now: clk.Now, RateLimit: 1, RateBurst: 2})
	one := dialUDP(t, s)
	conn, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP("127.0.0.2")}, s.UDPAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	two := &udpClient{t: t, conn: conn}
	announce := func(c *udpClient, id uint64, tx uint32) []byte {
		req := udpRequest{connID: id, txID: tx, infoHash: ih(1), peerID: peerID(int(tx)), left: 1, numWant: -1, port: 6881}
		return c.roundTrip(appendAnnounceRequest(nil, req), 5*time.Second)
	}
	id := one.connect()
	parseAnnounceReply(t, announce(one, id, 1), 1, 6)
	parseAnnounceReply(t, announce(one, id, 2), 2, 6)
	if msg := udpError(t, announce(one, id, 3), 3); msg != reasonRateLimited {
		t.Errorf("over the burst: error %q", msg)
	}
	// Connects are not limited (their source is not proven).
	for range 5 {
		one.connect()
	}
	// Nor are requests without a valid connection id counted against the
	// address they claim to come from.
	parseAnnounceReply(t, announce(two, two.connect(), 4), 4, 6)
	clk.Advance(time.Second)
	parseAnnounceReply(t, announce(one, id, 5), 5, 6)
}

// TestRateLimitLetsANATThrough checks that the defaults the command line
// uses (20/s, bursts of 200) let a few hundred peers behind one address
// announce at once.
func TestRateLimitLetsANATThrough(t *testing.T) {
	s, err := New(Config{Now: func() time.Time { return t0 }, RateLimit: 20})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	refused := 0
	for i := range 250 {
		req := httptest.NewRequest("GET", "/announce?"+announceValues(ih(1), peerID(i), 1000+i, 1).Encode(), nil)
		req.RemoteAddr = "198.51.100.7:40000"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if d := decodeResponse(t, w.Result()); failureReason(d) != "" {
			refused++
		}
	}
	if refused != 50 {
		t.Errorf("%d of 250 simultaneous announces from one address refused, want 50", refused)
	}
}

func TestLimiterKeys(t *testing.T) {
	l := newLimiter(1, 1, 1024)
	take := func(a string) bool { return l.allow(t0, netip.MustParseAddr(a)) }
	tests := []struct {
		first, second string
		shared        bool
	}{
		{"192.0.2.1", "192.0.2.2", false},
		{"192.0.2.3", "::ffff:192.0.2.3", true},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true}, // one /64
		{"2001:db8:1:3::1", "2001:db8:1:4::1", false},
		{"fe80::1%eth0", "fe80::2%eth1", true},
	}
	for _, tt := range tests {
		if !take(tt.first) {
			t.Fatalf("%s: first request refused", tt.first)
		}
		if got := !take(tt.second); got != tt.shared {
			t.Errorf("%s then %s: shared bucket %v, want %v", tt.first, tt.second, got, tt.shared)
		}
	}
}

func TestLimiterBounded(t *testing.T) {
	const maxAddrs = 64 * 8
	l := newLimiter(1, 5, maxAddrs)
	for i := range 20_000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if !l.allow(t0, a) {
			t.Fatalf("new address %v refused", a)
		}
		if n := l.len(); n > maxAddrs {
			t.Fatalf("%d addresses tracked, limit %d", n, maxAddrs)
		}
	}
}

// TestLimiterForgetsIdleFirst fills one shard with idle buckets and a busy
// one: making room forgets the idle ones and keeps the busy one limited.
func TestLimiterForgetsIdleFirst(t *testing.T) {
	l := newLimiter(1, 5, limiterShards*4) // 4 addresses a shard
	busy := netip.MustParseAddr("192.0.2.1")
	shardOf := func(a netip.Addr) uint64 { return maphash.Comparable(l.seed, limitKeyOf(a)) % limiterShards }
	var same []netip.Addr // addresses in busy's shard
	for i := 0; len(same) < 4; i++ {
		if a := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}); shardOf(a) == shardOf(busy) {
			same = append(same, a)
		}
	}
	for _, a := range same[:3] {
		l.allow(t0, a) // idle once a second has passed
	}
	now := t0.Add(time.Minute)
	for l.allow(now, busy) {
	}
	if !l.allow(now, same[3]) { // the shard is full: room must be made
		t.Fatal("new address refused")
	}
	if l.allow(now, busy) {
		t.Error("busy address was forgotten and got a full bucket")
	}
	if n := l.len(); n != 2 {
		t.Errorf("%d addresses tracked, want 2 (busy and the new one)", n)
	}
}

func TestLimiterSweep(t *testing.T) {
	l := newLimiter(10, 20, 1024)
	for i := range 100 {
		l.allow(t0, netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
	}
	l.sweep(t0.Add(50 * time.Millisecond)) // 19.5 tokens of 20: not yet full
	if n := l.len(); n != 100 {
		t.Errorf("%d addresses after an early sweep, want 100", n)
	}
	l.sweep(t0.Add(100 * time.Millisecond))
	if n := l.len(); n != 0 {
		t.Errorf("%d addresses after a sweep of full buckets, want 0", n)
	}
	var none *limiter
	if !none.allow(t0, netip.MustParseAddr("10.0.0.1")) || none.len() != 0 {
		t.Error("nil limiter limits")
	}
	none.sweep(t0)
}

func TestRateLimitConfig(t *testing.T) {
	for _, cfg := range []Config{{RateLimit: -1}, {RateBurst: -1}, {RateLimitAddrs: -1}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	s, err := New(Config{RateLimit: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.RateBurst != 5 || s.cfg.RateLimitAddrs != DefaultRateLimitAddrs {
		t.Errorf("defaults: burst %d, addresses %d", s.cfg.RateBurst, s.cfg.RateLimitAddrs)
	}
	if s, _ := New(Config{}); s.limit != nil {
		t.Error("a zero rate limit limits")
	}
}

func hasLine(body, line string) bool { return strings.Contains("\n"+body, "\n"+line+"\n") }
