package nattest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// punchTimeout bounds a direct attempt: the first SYN and one retransmission
// (the initial retransmission timeout is one second).
const punchTimeout = 2500 * time.Millisecond

// reuseControl sets SO_REUSEADDR and SO_REUSEPORT, so that a listener and
// any number of outgoing connections can share one local port.
func reuseControl(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
			return
		}
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	return errors.Join(err, serr)
}

// stepPunch names the direct attempt; every other failing step is a fault
// of the harness or the topology, not of the NAT.
const stepPunch = "punch"

// peer is one side of a hole-punching attempt.
type peer struct {
	tp    *Topology
	ns    string
	local netip.AddrPort
	rv    netip.AddrPort
	id    string
	side  string
}

// punchOutcome is what one side saw.
type punchOutcome struct {
	verified time.Time // when the direct connection carried both greetings
	via      string    // "dial" or "accept"
	err      error
	step     string // the step that failed
}

// run registers with the rendezvous from the listening port, then dials the
// other side's observed address from that port while accepting on it, and
// exchanges greetings over whichever connection is established first.
func (p *peer) run(ctx context.Context) punchOutcome {
	fail := func(step string, err error) punchOutcome {
		return punchOutcome{err: fmt.Errorf("%s %s: %s: %w", p.side, p.local, step, err), step: step}
	}
	ln, err := p.tp.Listen(ctx, p.ns, &net.ListenConfig{Control: reuseControl}, "tcp", p.local.String())
	if err != nil {
		return fail("listen", err)
	}
	defer ln.Close()
	d := &net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(p.local), Control: reuseControl, Timeout: 5 * time.Second}
	rc, err := p.tp.Dial(ctx, p.ns, d, "tcp", p.rv.String())
	if err != nil {
		return fail("dial rendezvous", err)
	}
	defer rc.Close()
	_ = rc.SetDeadline(time.Now().Add(rvTimeout))
	if _, err := fmt.Fprintf(rc, "HELLO %s\n", p.id); err != nil {
		return fail("register", err)
	}
	line, err := bufio.NewReader(rc).ReadString('\n')
	if err != nil {
		return fail("rendezvous", err)
	}
	s, ok := strings.CutPrefix(strings.TrimSpace(line), "PEER ")
	remote, err := netip.ParseAddrPort(s)
	if !ok || err != nil {
		return fail("rendezvous", fmt.Errorf("bad answer %q", line))
	}

	pctx, cancel := context.WithTimeout(ctx, punchTimeout)
	defer cancel()
	type result struct {
		c   net.Conn
		via string
		err error
	}
	results := make(chan result, 2)
	go func() {
		d := &net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(p.local), Control: reuseControl}
		c, err := p.tp.Dial(pctx, p.ns, d, "tcp", remote.String())
		results <- result{c, "dial", err}
	}()
	go func() {
		_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(punchTimeout))
		c, err := ln.Accept()
		results <- result{c, "accept", err}
	}()
	var won result
	var errs []error
	for range 2 {
		r := <-results
		switch {
		case r.err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", r.via, r.err))
		case won.c == nil:
			won = r
			cancel()
			ln.Close()
		default:
			r.c.Close()
		}
	}
	if won.c == nil {
		return fail(stepPunch, fmt.Errorf("to %s: %w", remote, errors.Join(errs...)))
	}
	defer won.c.Close()
	_ = won.c.SetDeadline(time.Now().Add(punchTimeout))
	if _, err := fmt.Fprintf(won.c, "ID %s %s\n", p.id, p.side); err != nil {
		return fail("greet", err)
	}
	got, err := bufio.NewReader(won.c).ReadString('\n')
	if err != nil {
		return fail("greeting", err)
	}
	f := strings.Fields(got)
	if len(f) != 3 || f[0] != "ID" || f[1] != p.id || f[2] == p.side {
		return fail("greeting", fmt.Errorf("unexpected %q", got))
	}
	return punchOutcome{verified: time.Now(), via: won.via}
}

// punchStats summarises many pairs.
type punchStats struct {
	pairs, direct int
	latencies     []time.Duration // setup latency of each direct pair, sorted
	firstErr      error
	broken        error // first failure of a step other than the direct attempt
}

// percentile returns the q-quantile (0..1) of the latencies.
func (s *punchStats) percentile(q float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	return s.latencies[int(q*float64(len(s.latencies)-1)+0.5)]
}

func (s *punchStats) String() string {
	return fmt.Sprintf("%d/%d direct (%.0f%%), setup p50 %v p90 %v max %v",
		s.direct, s.pairs, 100*float64(s.direct)/float64(s.pairs),
		s.percentile(0.5).Round(100*time.Microsecond), s.percentile(0.9).Round(100*time.Microsecond),
		s.percentile(1).Round(100*time.Microsecond))
}

// punchPairs runs n pairs, host i of cluster 0 with host i of cluster 1,
// at most conc at a time; port(i) is the listening port of both hosts of
// pair i. Setup latency runs from the rendezvous's answer to the later of
// the two sides' verified greeting.
func punchPairs(ctx context.Context, tp *Topology, rv *rendezvous, n, conc int, port func(i int) uint16) *punchStats {
	stats := &punchStats{pairs: n}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, conc)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id := fmt.Sprintf("pair%d", i)
			var out [2]punchOutcome
			var pw sync.WaitGroup
			for c, cl := range tp.Clusters {
				pw.Add(1)
				go func() {
					defer pw.Done()
					p := &peer{tp: tp, ns: cl.LAN, local: netip.AddrPortFrom(cl.Hosts[i], port(i)),
						rv: rv.addr(), id: id, side: fmt.Sprint(c)}
					out[c] = p.run(ctx)
				}()
			}
			pw.Wait()
			mu.Lock()
			defer mu.Unlock()
			if err := errors.Join(out[0].err, out[1].err); err != nil {
				if stats.firstErr == nil {
					stats.firstErr = err
				}
				for _, o := range out {
					if o.err != nil && o.step != stepPunch && stats.broken == nil {
						stats.broken = o.err
					}
				}
				return
			}
			sent, _ := rv.sent(id)
			done := out[0].verified
			if out[1].verified.After(done) {
				done = out[1].verified
			}
			stats.direct++
			stats.latencies = append(stats.latencies, done.Sub(sent))
		}()
	}
	wg.Wait()
	slices.Sort(stats.latencies)
	return stats
}

// TestHolePunch measures TCP simultaneous open between hosts of the two
// clusters, brokered by a rendezvous on the internet, for each NAT mode.
// Port-restricted cone NATs on both sides must let (nearly) every pair
// through; a symmetric NAT on either side must stop (nearly) all of them.
// In "shared-port" every host listens on 6881, so the NAT cannot keep the
// port for all of them; it must still reuse, towards the peer, the mapping
// the rendezvous saw (Linux NAT looks up the existing mapping of the
// internal address and port before choosing a new one).
func TestHolePunch(t *testing.T) {
	pairs := 100
	if testing.Short() {
		pairs = 20
	}
	distinct := func(i int) uint16 { return uint16(30000 + i) }
	shared := func(int) uint16 { return 6881 }
	for _, tc := range []struct {
		name           string
		mode           Mode
		port           func(int) uint16
		conc           int // pairs at a time: few where latency is measured, all where attempts time out
		minPct, maxPct int
	}{
		{"port-restricted", PortRestricted, distinct, 10, 95, 100},
		{"port-restricted/shared-port", PortRestricted, shared, 10, 95, 100},
		{"one-symmetric", OneSymmetric, distinct, pairs, 0, 5},
		{"both-symmetric", BothSymmetric, distinct, pairs, 0, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := Up(t, Config{Mode: tc.mode, HostsPerCluster: pairs})
			rv := startRendezvous(t, tp)
			start := time.Now()
			stats := punchPairs(t.Context(), tp, rv, pairs, tc.conc, tc.port)
			t.Logf("%s: %v (in %v)", tc.name, stats, time.Since(start).Round(time.Millisecond))
			if stats.broken != nil {
				t.Errorf("a pair failed before its direct attempt: %v", stats.broken)
			}
			pct := 100 * stats.direct / stats.pairs
			if pct < tc.minPct || pct > tc.maxPct {
				t.Errorf("%d%% direct, want %d..%d%%; first failure: %v", pct, tc.minPct, tc.maxPct, stats.firstErr)
				for c := range tp.Clusters {
					if ct, err := tp.Conntrack(c); err == nil {
						t.Logf("cluster %d conntrack:\n%s", c, ct)
					}
				}
			}
		})
	}
}
