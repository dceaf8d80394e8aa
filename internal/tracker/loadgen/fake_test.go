package loadgen

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"

	"shoal/internal/bt"
)

// fakePeer is a peer as a fake tracker saw it.
type fakePeer struct {
	hash bt.InfoHash
	addr netip.AddrPort // source address, announced port
}

// fakeTracker records announces; it answers each with min(numwant, 3)
// zero peers.
type fakeTracker struct {
	mu        sync.Mutex
	peers     map[fakePeer]bt.PeerID
	announces int
	started   int
}

func newFakeTracker() *fakeTracker { return &fakeTracker{peers: map[fakePeer]bt.PeerID{}} }

func (f *fakeTracker) record(p fakePeer, id bt.PeerID, started bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.peers[p] = id
	f.announces++
	if started {
		f.started++
	}
}

// seen returns a copy of the peers seen and the announce counts.
func (f *fakeTracker) seen() (peers map[fakePeer]bt.PeerID, announces, started int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	peers = make(map[fakePeer]bt.PeerID, len(f.peers))
	for k, v := range f.peers {
		peers[k] = v
	}
	return peers, f.announces, f.started
}

func (f *fakeTracker) count(h bt.InfoHash) (n uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for p := range f.peers {
		if p.hash == h {
			n++
		}
	}
	return n
}

// serveUDP answers BEP 15 requests on a loopback socket until the test
// ends. With silent set it answers only connects.
func (f *fakeTracker) serveUDP(t *testing.T, silent bool) string {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { conn.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if reply := f.answerUDP(buf[:n], from, silent); reply != nil {
				_, _ = conn.WriteToUDPAddrPort(reply, from)
			}
		}
	}()
	return "udp://" + conn.LocalAddr().String()
}

const fakeConnID = 0x0123456789abcdef

func (f *fakeTracker) answerUDP(pkt []byte, from netip.AddrPort, silent bool) []byte {
	if len(pkt) < 16 {
		return nil
	}
	action, tx := binary.BigEndian.Uint32(pkt[8:]), binary.BigEndian.Uint32(pkt[12:])
	if action == actionConnect {
		return binary.BigEndian.AppendUint64(udpPkt(actionConnect, tx), fakeConnID)
	}
	if silent {
		return nil
	}
	if binary.BigEndian.Uint64(pkt) != fakeConnID {
		return append(udpPkt(actionError, tx), "bad connection id"...)
	}
	switch action {
	case actionAnnounce:
		if len(pkt) < udpAnnounceLen {
			return append(udpPkt(actionError, tx), "short"...)
		}
		p := fakePeer{hash: bt.InfoHash(pkt[16:36]), addr: netip.AddrPortFrom(from.Addr().Unmap(), binary.BigEndian.Uint16(pkt[96:]))}
		f.record(p, bt.PeerID(pkt[36:56]), binary.BigEndian.Uint32(pkt[80:]) == udpEventStarted)
		n := min(int(int32(binary.BigEndian.Uint32(pkt[92:]))), 3)
		return udpPkt(actionAnnounce, tx, make([]byte, 12+6*max(n, 0))...)
	case actionScrape:
		out := udpPkt(actionScrape, tx)
		for b := pkt[16:]; len(b) >= 20; b = b[20:] {
			out = binary.BigEndian.AppendUint32(out, 0)
			out = binary.BigEndian.AppendUint32(out, 0)
			out = binary.BigEndian.AppendUint32(out, f.count(bt.InfoHash(b[:20])))
		}
		return out
	}
	return append(udpPkt(actionError, tx), "bad action"...)
}

// serveHTTP answers announces with a keep-alive HTTP server.
func (f *fakeTracker) serveHTTP(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		src, _ := netip.ParseAddrPort(r.RemoteAddr)
		port, _ := strconv.Atoi(q.Get("port"))
		f.record(fakePeer{hash: bt.InfoHash([]byte(q.Get("info_hash"))), addr: netip.AddrPortFrom(src.Addr(), uint16(port))},
			bt.PeerID([]byte(q.Get("peer_id"))), q.Get("event") == "started")
		_, _ = w.Write([]byte("d8:intervali1800e5:peers12:abcdefghijkle"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/announce"
}

// serveClosingHTTP answers every request on a connection of its own and
// then closes it without a Connection header, as opentracker does.
func (f *fakeTracker) serveClosingHTTP(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						break
					}
				}
				f.record(fakePeer{}, bt.PeerID{}, false)
				body := "d5:peers6:abcdefe"
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			})
		}
	})
	return "http://" + ln.Addr().String() + "/announce"
}
