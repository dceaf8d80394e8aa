package nattest

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// rvTimeout bounds each rendezvous connection.
const rvTimeout = 15 * time.Second

// rendezvous is the smallest broker for hole punching: each peer connects
// with "HELLO PAIRID\n"; once both peers of a pair have, each is sent
// "PEER ADDR\n" with the other's source address as observed here (its NAT
// mapping). The connections stay open until the peers close them, so the
// mappings live on meanwhile.
type rendezvous struct {
	ln      net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex
	waiting map[string]*registration
	sentAt  map[string]time.Time
	conns   map[net.Conn]bool
}

type registration struct {
	conn net.Conn
	seen netip.AddrPort
}

// startRendezvous serves on the first router address until the test ends.
func startRendezvous(t *testing.T, tp *Topology) *rendezvous {
	t.Helper()
	ln, err := tp.Listen(t.Context(), tp.Inet, &net.ListenConfig{}, "tcp", netip.AddrPortFrom(tp.Routers[0], 7000).String())
	if err != nil {
		t.Fatal(err)
	}
	rv := &rendezvous{ln: ln, waiting: map[string]*registration{}, sentAt: map[string]time.Time{}, conns: map[net.Conn]bool{}}
	rv.wg.Add(1)
	go rv.serve()
	t.Cleanup(func() {
		ln.Close()
		rv.mu.Lock()
		for c := range rv.conns {
			c.Close()
		}
		rv.mu.Unlock()
		rv.wg.Wait()
	})
	return rv
}

// addr is the rendezvous's address.
func (rv *rendezvous) addr() netip.AddrPort {
	return netip.MustParseAddrPort(rv.ln.Addr().String())
}

// sent returns when the pair was told each other's address.
func (rv *rendezvous) sent(id string) (time.Time, bool) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	at, ok := rv.sentAt[id]
	return at, ok
}

func (rv *rendezvous) serve() {
	defer rv.wg.Done()
	for {
		c, err := rv.ln.Accept()
		if err != nil {
			return
		}
		rv.mu.Lock()
		rv.conns[c] = true
		rv.mu.Unlock()
		rv.wg.Add(1)
		go rv.handle(c)
	}
}

func (rv *rendezvous) handle(c net.Conn) {
	defer rv.wg.Done()
	defer func() {
		rv.mu.Lock()
		delete(rv.conns, c)
		rv.mu.Unlock()
		c.Close()
	}()
	_ = c.SetDeadline(time.Now().Add(rvTimeout))
	r := bufio.NewReader(&limitedReader{r: c, n: 256})
	line, err := r.ReadString('\n')
	if err != nil {
		return
	}
	id, ok := strings.CutPrefix(strings.TrimSpace(line), "HELLO ")
	if !ok || id == "" {
		return
	}
	me := &registration{conn: c, seen: netip.MustParseAddrPort(c.RemoteAddr().String())}
	rv.mu.Lock()
	other := rv.waiting[id]
	if other == nil {
		rv.waiting[id] = me
	} else {
		delete(rv.waiting, id)
		rv.sentAt[id] = time.Now()
	}
	rv.mu.Unlock()
	if other != nil {
		// Both at once, so that both SYNs leave at about the same time.
		fmt.Fprintf(other.conn, "PEER %s\n", me.seen)
		fmt.Fprintf(me.conn, "PEER %s\n", other.seen)
	}
	_, _ = r.ReadString('\n') // wait for the peer to hang up
}

// limitedReader reads at most n bytes from r.
type limitedReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("nattest: rendezvous: message too long")
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= n
	return n, err
}
