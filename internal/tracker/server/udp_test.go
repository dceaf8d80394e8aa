package server

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// udpClient is a connected UDP socket to the server.
type udpClient struct {
	t    *testing.T
	conn *net.UDPConn
}

func dialUDP(t *testing.T, s *Server) *udpClient {
	t.Helper()
	return dialUDPFrom(t, s, nil)
}

// dialUDPFrom dials the server from the local address from (nil: any).
func dialUDPFrom(t *testing.T, s *Server, from *net.UDPAddr) *udpClient {
	t.Helper()
	conn, err := net.DialUDP("udp", from, s.UDPAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &udpClient{t: t, conn: conn}
}

// roundTrip sends req and returns the reply, or nil if none came within wait.
func (c *udpClient) roundTrip(req []byte, wait time.Duration) []byte {
	c.t.Helper()
	if _, err := c.conn.Write(req); err != nil {
		c.t.Fatal(err)
	}
	buf := make([]byte, 4096)
	if err := c.conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		c.t.Fatal(err)
	}
	n, err := c.conn.Read(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return buf[:n]
}

func (c *udpClient) connect() uint64 {
	c.t.Helper()
	reply := c.roundTrip(appendConnectRequest(nil, 42), 5*time.Second)
	if len(reply) != udpConnectReplyLen || binary.BigEndian.Uint32(reply) != actionConnect || binary.BigEndian.Uint32(reply[4:]) != 42 {
		c.t.Fatalf("connect reply %x", reply)
	}
	return binary.BigEndian.Uint64(reply[8:])
}

func udpError(t *testing.T, reply []byte, txID uint32) string {
	t.Helper()
	if len(reply) < 8 || binary.BigEndian.Uint32(reply) != actionError || binary.BigEndian.Uint32(reply[4:]) != txID {
		t.Fatalf("want an error reply, got %x", reply)
	}
	return string(reply[8:])
}

type udpAnnounceReply struct {
	interval, leechers, seeders uint32
	peers                       []netip.AddrPort
}

func parseAnnounceReply(t *testing.T, reply []byte, txID uint32, size int) udpAnnounceReply {
	t.Helper()
	if len(reply) < 20 || binary.BigEndian.Uint32(reply) != actionAnnounce || binary.BigEndian.Uint32(reply[4:]) != txID || (len(reply)-20)%size != 0 {
		t.Fatalf("bad announce reply %x", reply)
	}
	r := udpAnnounceReply{
		interval: binary.BigEndian.Uint32(reply[8:]),
		leechers: binary.BigEndian.Uint32(reply[12:]),
		seeders:  binary.BigEndian.Uint32(reply[16:]),
	}
	for b := reply[20:]; len(b) > 0; b = b[size:] {
		ip, _ := netip.AddrFromSlice(b[:size-2])
		r.peers = append(r.peers, netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[size-2:])))
	}
	return r
}

func TestUDPTracker(t *testing.T) {
	for _, noBatch := range []bool{false, true} {
		t.Run(fmt.Sprintf("noBatch=%v", noBatch), func(t *testing.T) { testUDPTracker(t, noBatch) })
	}
}

func testUDPTracker(t *testing.T, noBatch bool) {
	clk := newClock()
	s := startServer(t, Config{UDPAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Now: clk.Now, Interval: time.Minute, udpNoBatch: noBatch})
	h := ih(1)
	// Someone announced over HTTP already.
	get(t, announceURLFor(s, announceValues(h, peerID(1), 6001, 0)))

	c := dialUDP(t, s)
	id := c.connect()

	ann := udpRequest{connID: id, txID: 7, infoHash: h, peerID: peerID(2), left: 10, event: registry.EventStarted, numWant: -1, port: 6002}
	r := parseAnnounceReply(t, c.roundTrip(appendAnnounceRequest(nil, ann), 5*time.Second), 7, 6)
	if r.interval != 60 || r.seeders != 1 || r.leechers != 1 {
		t.Errorf("announce reply %+v", r)
	}
	if len(r.peers) != 1 || r.peers[0] != netip.MustParseAddrPort("127.0.0.1:6001") {
		t.Errorf("peers %v", r.peers)
	}

	// The HTTP peer now sees the UDP peer, at the address it came from.
	d := get(t, announceURLFor(s, announceValues(h, peerID(1), 6001, 0)))
	if p := compactPeers(t, d["peers"], 6); len(p) != 1 || p[0] != netip.MustParseAddrPort("127.0.0.1:6002") {
		t.Errorf("HTTP peer sees %v", p)
	}

	// Completed, then scrape.
	ann.event, ann.left, ann.txID = registry.EventCompleted, 0, 8
	parseAnnounceReply(t, c.roundTrip(appendAnnounceRequest(nil, ann), 5*time.Second), 8, 6)
	reply := c.roundTrip(appendScrapeRequest(nil, id, 9, h, ih(99)), 5*time.Second)
	if len(reply) != 8+2*12 || binary.BigEndian.Uint32(reply) != actionScrape || binary.BigEndian.Uint32(reply[4:]) != 9 {
		t.Fatalf("scrape reply %x", reply)
	}
	if seeders, completed, leechers := binary.BigEndian.Uint32(reply[8:]), binary.BigEndian.Uint32(reply[12:]), binary.BigEndian.Uint32(reply[16:]); seeders != 2 || completed != 1 || leechers != 0 {
		t.Errorf("scrape: %d seeders, %d completed, %d leechers", seeders, completed, leechers)
	}
	for _, b := range reply[20:] {
		if b != 0 {
			t.Errorf("unknown hash has counts: %x", reply[20:])
			break
		}
	}

	// Stopped removes the peer.
	ann.event, ann.txID = registry.EventStopped, 10
	r = parseAnnounceReply(t, c.roundTrip(appendAnnounceRequest(nil, ann), 5*time.Second), 10, 6)
	if r.seeders != 1 || len(r.peers) != 0 {
		t.Errorf("after stop %+v", r)
	}
}

func TestUDPConnectionIDs(t *testing.T) {
	clk := newClock()
	s := startServer(t, Config{UDPAddr: "127.0.0.1:0", Now: clk.Now})
	c := dialUDP(t, s)
	otherPort := dialUDP(t, s) // same IP, another port
	other := dialUDPFrom(t, s, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	id := c.connect()
	scrape := func(c *udpClient, id uint64) []byte {
		return c.roundTrip(appendScrapeRequest(nil, id, 3, ih(1)), 5*time.Second)
	}
	if reply := scrape(c, id); binary.BigEndian.Uint32(reply) != actionScrape {
		t.Fatalf("valid id refused: %x", reply)
	}
	// The id proves the IP address, not the socket: clients may use a new
	// port for each request.
	if reply := scrape(otherPort, id); binary.BigEndian.Uint32(reply) != actionScrape {
		t.Fatalf("id refused from another port of the same address: %x", reply)
	}
	for _, tt := range []struct {
		name string
		c    *udpClient
		id   uint64
	}{
		{"forged", c, id ^ 1},
		{"zero", c, 0},
		{"protocol id", c, udpProtocolID},
		{"other source", other, id},
	} {
		req := appendScrapeRequest(nil, tt.id, 3, ih(1))
		reply := scrape(tt.c, tt.id)
		if msg := udpError(t, reply, 3); msg != "bad connection id" {
			t.Errorf("%s: error %q", tt.name, msg)
		}
		if len(reply) > len(req) {
			t.Errorf("%s: %d-byte reply to a %d-byte request", tt.name, len(reply), len(req))
		}
	}
	clk.Advance(connIDPeriod + time.Second) // next period: still good
	if reply := scrape(c, id); binary.BigEndian.Uint32(reply) != actionScrape {
		t.Errorf("id refused a minute later: %x", reply)
	}
	clk.Advance(connIDPeriod) // two periods on: expired
	if msg := udpError(t, scrape(c, id), 3); msg != "bad connection id" {
		t.Errorf("expired id: error %q", msg)
	}
	if reply := scrape(c, c.connect()); binary.BigEndian.Uint32(reply) != actionScrape {
		t.Errorf("fresh id refused: %x", reply)
	}
}

func TestUDPNoAmplification(t *testing.T) {
	s := startServer(t, Config{UDPAddr: "127.0.0.1:0"})
	c := dialUDP(t, s)
	ann := appendAnnounceRequest(nil, udpRequest{connID: 1234, txID: 1, infoHash: ih(1), peerID: peerID(1), numWant: 200, port: 1})
	packets := map[string][]byte{
		"empty":           {},
		"short":           {1, 2, 3},
		"15 bytes":        make([]byte, 15),
		"bad magic":       append(binary.BigEndian.AppendUint64(nil, 1), 0, 0, 0, 0, 0, 0, 0, 1),
		"unknown action":  appendUDPHeader(binary.BigEndian.AppendUint64(nil, 1), 77, 1),
		"short announce":  ann[:20],
		"bad announce id": ann,
		"bad scrape id":   appendScrapeRequest(nil, 99, 1, ih(1)),
		"error action":    appendUDPHeader(binary.BigEndian.AppendUint64(nil, 1), actionError, 1),
	}
	for name, pkt := range packets {
		reply := c.roundTrip(pkt, 200*time.Millisecond)
		if len(reply) > len(pkt) {
			t.Errorf("%s: %d-byte reply to a %d-byte request", name, len(reply), len(pkt))
		}
		if len(pkt) >= udpHeaderLen && reply == nil {
			t.Errorf("%s: no reply", name)
		}
		if len(pkt) < udpHeaderLen && reply != nil {
			t.Errorf("%s: reply %x to a runt", name, reply)
		}
	}
	// Connect replies are exactly as long as the request.
	if reply := c.roundTrip(appendConnectRequest(nil, 5), time.Second); len(reply) != 16 {
		t.Errorf("connect reply %d bytes", len(reply))
	}
}

func TestUDPAnnounceIPv6AndLimits(t *testing.T) {
	s, err := New(Config{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	w := &udpWorker{s: s}
	h := ih(2)
	announce := func(from string, id int, numWant int32) []byte {
		src := netip.MustParseAddrPort(from)
		req := udpRequest{connID: s.ids.make(t0, src), txID: 1, infoHash: h, peerID: peerID(id), left: 1, numWant: numWant, port: 6881}
		return w.handle(t0, src, appendAnnounceRequest(nil, req))
	}
	for i := range 150 {
		announce(netip.AddrPortFrom(netip.AddrFrom16([16]byte{0: 0x20, 1: 1, 14: byte(i >> 8), 15: byte(i)}), 1).String(), i, 0)
	}
	for i := range 210 {
		announce(netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), 1).String(), 1000+i, 0)
	}
	r := parseAnnounceReply(t, announce("[2001:db8::77]:9", 500, 1000), 1, 18)
	if len(r.peers) != (maxUDPReplyV6-20)/18 || r.leechers != 361 {
		t.Errorf("IPv6 announce: %d peers, %d leechers", len(r.peers), r.leechers)
	}
	for _, p := range r.peers {
		if !p.Addr().Is6() || p.Addr().Is4In6() {
			t.Errorf("IPv6 announcer given %v", p)
		}
	}
	r = parseAnnounceReply(t, announce("192.0.2.200:9", 501, 1000), 1, 6)
	if len(r.peers) != DefaultMaxNumWant {
		t.Errorf("IPv4 announce: %d peers", len(r.peers))
	}
	// A mapped source is an IPv4 peer.
	r = parseAnnounceReply(t, announce("[::ffff:192.0.2.201]:9", 502, -1), 1, 6)
	if len(r.peers) != DefaultNumWant {
		t.Errorf("mapped announce: %d peers", len(r.peers))
	}
	var tooMany []bt.InfoHash
	for i := range MaxUDPScrapeHashes {
		tooMany = append(tooMany, ih(byte(i)))
	}
	src := netip.MustParseAddrPort("192.0.2.1:1")
	reply := w.handle(t0, src, appendScrapeRequest(nil, s.ids.make(t0, src), 4, tooMany...))
	if len(reply) != 8+12*MaxUDPScrapeHashes {
		t.Errorf("full scrape reply %d bytes", len(reply))
	}
}

// TestUDPManyClients sends bursts from many sockets at once, so that the
// server reads and answers several datagrams per call, to a dual-stack
// socket (sources arrive as IPv4-mapped IPv6 addresses) and an IPv4 one;
// every request gets its own reply at its own socket.
func TestUDPManyClients(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "[::]:0"} {
		t.Run(listen, func(t *testing.T) {
			s := startServer(t, Config{UDPAddr: listen, Now: func() time.Time { return t0 }})
			port := s.UDPAddr().(*net.UDPAddr).Port
			var wg sync.WaitGroup
			for c := range 16 {
				wg.Go(func() {
					conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
					if err != nil {
						t.Error(err)
						return
					}
					defer conn.Close()
					src := netip.MustParseAddrPort(conn.LocalAddr().String())
					id := s.ids.make(t0, src)
					const burst = 6
					for i := range burst {
						req := udpRequest{connID: id, txID: uint32(c<<8 | i), infoHash: ih(byte(c % 3)), peerID: peerID(c), left: 1, numWant: 5, port: 7000 + uint16(c)}
						if _, err := conn.Write(appendAnnounceRequest(nil, req)); err != nil {
							t.Error(err)
							return
						}
					}
					got := map[uint32]bool{}
					buf := make([]byte, 2048)
					_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
					for len(got) < burst {
						n, err := conn.Read(buf)
						if err != nil {
							t.Errorf("client %d: %d of %d replies: %v", c, len(got), burst, err)
							return
						}
						if n < 20 || binary.BigEndian.Uint32(buf) != actionAnnounce || (n-20)%6 != 0 {
							t.Errorf("client %d: reply %x", c, buf[:n])
							return
						}
						tx := binary.BigEndian.Uint32(buf[4:])
						if tx>>8 != uint32(c) || got[tx] {
							t.Errorf("client %d: unexpected transaction %x", c, tx)
						}
						got[tx] = true
					}
				})
			}
			wg.Wait()
		})
	}
}
