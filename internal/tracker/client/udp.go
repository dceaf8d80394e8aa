package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"time"

	"shoal/internal/bt"
)

// udpConnIDLifetime is how long a client may use a connection id (BEP 15).
const udpConnIDLifetime = time.Minute

// udpConnID is a cached connection id and the time it was obtained.
type udpConnID struct {
	id uint64
	at time.Time
}

// udpSession is one socket connected to one UDP tracker.
type udpSession struct {
	c    *Client
	conn *net.UDPConn
	addr netip.AddrPort
	v6   bool
	name string // tracker for messages
	buf  []byte
	out  []byte
}

func (c *Client) announceUDP(ctx context.Context, u *url.URL, req Request) (Response, error) {
	s, err := c.dialUDP(ctx, u)
	if err != nil {
		return Response{}, err
	}
	defer s.close()
	data := udpURLData(u)
	var resp Response
	err = s.exchange(ctx, actionAnnounce,
		func(b []byte, connID uint64, tid uint32) []byte {
			return appendUDPAnnounce(b, connID, tid, req, data)
		},
		func(pkt []byte) error {
			var err error
			resp, err = ParseUDPAnnounce(pkt, s.v6)
			return err
		})
	if err != nil {
		return Response{}, err
	}
	c.log.Debug("tracker: udp announce", "tracker", s.name, "peers", len(resp.Peers), "interval", resp.Interval)
	return resp, nil
}

func (c *Client) scrapeUDP(ctx context.Context, u *url.URL, hashes []bt.InfoHash) (map[bt.InfoHash]ScrapeResult, error) {
	s, err := c.dialUDP(ctx, u)
	if err != nil {
		return nil, err
	}
	defer s.close()
	out := make(map[bt.InfoHash]ScrapeResult, len(hashes))
	for len(hashes) > 0 {
		batch := hashes[:min(len(hashes), maxScrapeHashes)]
		hashes = hashes[len(batch):]
		err := s.exchange(ctx, actionScrape,
			func(b []byte, connID uint64, tid uint32) []byte {
				return appendUDPScrape(b, connID, tid, batch)
			},
			func(pkt []byte) error {
				res, err := ParseUDPScrape(pkt)
				if err != nil {
					return err
				}
				if len(res) > len(batch) {
					return fmt.Errorf("%w: udp scrape reply: %d entries for %d hashes", ErrMalformed, len(res), len(batch))
				}
				for i, r := range res {
					out[batch[i]] = r
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// udpURLData returns the path and query of a UDP tracker URL for the
// URLData option of BEP 41.
func udpURLData(u *url.URL) string {
	s := u.EscapedPath()
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s
}

func (c *Client) dialUDP(ctx context.Context, u *url.URL) (*udpSession, error) {
	name := displayURL(u)
	if u.Port() == "" {
		return nil, fmt.Errorf("tracker: udp: %s: no port", name)
	}
	var d net.Dialer
	if c.localAddr.IsValid() {
		d.LocalAddr = &net.UDPAddr{IP: c.localAddr.AsSlice()}
	}
	nc, err := d.DialContext(ctx, "udp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("tracker: udp: %w", err)
	}
	conn := nc.(*net.UDPConn)
	addr := conn.RemoteAddr().(*net.UDPAddr).AddrPort()
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	return &udpSession{
		c:    c,
		conn: conn,
		addr: addr,
		v6:   addr.Addr().Is6(),
		name: name,
		buf:  make([]byte, maxUDPReplyPayload+1),
	}, nil
}

func (s *udpSession) close() { _ = s.conn.Close() }

// exchange sends the request build makes and hands the matching reply to
// parse, connecting first when no connection id is cached. Attempt n waits
// udpTimeout*2^n; after a timeout the connection id is dropped so that the
// next attempt connects again.
func (s *udpSession) exchange(ctx context.Context, want uint32,
	build func(b []byte, connID uint64, tid uint32) []byte, parse func(pkt []byte) error) error {
	c := s.c
	retriedCached := false
	for n := 0; n <= c.udpRetries; n++ {
		timeout := c.udpTimeout << n
		connID, cached := c.connID(s.addr)
		ok := cached
		if !ok {
			tid := c.tid()
			s.out = appendUDPConnect(s.out[:0], tid)
			pkt, err := s.roundTrip(ctx, s.out, tid, actionConnect, timeout)
			if errors.Is(err, ErrNoReply) {
				c.log.Debug("tracker: udp connect timed out", "tracker", s.name, "attempt", n)
				continue
			}
			if err != nil {
				return err
			}
			if connID, err = ParseUDPConnect(pkt); err != nil {
				return err
			}
			c.setConnID(s.addr, connID)
		}
		tid := c.tid()
		s.out = build(s.out[:0], connID, tid)
		pkt, err := s.roundTrip(ctx, s.out, tid, want, timeout)
		if err != nil {
			c.dropConnID(s.addr, connID)
			if errors.Is(err, ErrNoReply) {
				c.log.Debug("tracker: udp request timed out", "tracker", s.name, "attempt", n)
				continue
			}
			var fe *FailureError
			if cached && !retriedCached && errors.As(err, &fe) {
				// A remembered id may be bound to another socket or have
				// expired at the tracker: connect again, once.
				retriedCached = true
				n--
				continue
			}
			return err
		}
		return parse(pkt)
	}
	return fmt.Errorf("%w after %d attempts", ErrNoReply, c.udpRetries+1)
}

// roundTrip sends req and waits up to timeout for a reply carrying tid
// with action want or an error action. Replies with other transaction ids
// or actions are ignored. The returned slice is valid until the next call.
func (s *udpSession) roundTrip(ctx context.Context, req []byte, tid, want uint32, timeout time.Duration) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("tracker: udp: %w", err)
	}
	if _, err := s.conn.Write(req); err != nil {
		return nil, fmt.Errorf("tracker: udp: %w", err)
	}
	deadline := time.Now().Add(timeout)
	ctxDeadline := false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, ctxDeadline = d, true
	}
	if err := s.conn.SetReadDeadline(deadline); err != nil {
		return nil, fmt.Errorf("tracker: udp: %w", err)
	}
	// Unblock the read when ctx ends. Setting the deadline above happens
	// before this check, so a cancellation in between is not lost.
	stop := context.AfterFunc(ctx, func() { _ = s.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		n, err := s.conn.Read(s.buf)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("tracker: udp: %w", ctxErr)
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if ctxDeadline {
					// ctx may not have noticed its deadline yet.
					return nil, fmt.Errorf("tracker: udp: %w", context.DeadlineExceeded)
				}
				return nil, ErrNoReply
			}
			return nil, fmt.Errorf("tracker: udp: %w", err)
		}
		pkt := s.buf[:n]
		action, got, ok := udpHeader(pkt)
		if !ok || got != tid {
			s.c.log.Debug("tracker: udp reply ignored", "tracker", s.name, "len", n)
			continue
		}
		switch action {
		case want:
			return pkt, nil
		case actionError:
			fe, err := ParseUDPError(pkt)
			if err != nil {
				return nil, err
			}
			return nil, fe
		default:
			s.c.log.Debug("tracker: udp reply with unexpected action ignored", "tracker", s.name, "action", action)
		}
	}
}

// connID returns the cached connection id for addr if it is still valid.
func (c *Client) connID(addr netip.AddrPort) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.conns[addr]
	if !ok || c.now().Sub(e.at) >= udpConnIDLifetime {
		return 0, false
	}
	return e.id, true
}

func (c *Client) setConnID(addr netip.AddrPort, id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for a, e := range c.conns {
		if now.Sub(e.at) >= udpConnIDLifetime {
			delete(c.conns, a)
		}
	}
	c.conns[addr] = udpConnID{id: id, at: now}
}

// dropConnID forgets id for addr unless another request replaced it.
func (c *Client) dropConnID(addr netip.AddrPort, id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.conns[addr]; ok && e.id == id {
		delete(c.conns, addr)
	}
}
