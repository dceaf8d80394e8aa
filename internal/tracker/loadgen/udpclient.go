package loadgen

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"
)

// udpAnnouncer sends BEP 15 announces from one socket, reusing its
// connection id for connIDLifetime.
type udpAnnouncer struct {
	conn    *net.UDPConn
	pop     *Population
	numWant int32
	rng     *rand.Rand

	connID uint64
	connAt time.Time // zero: no connection id
	conns  int64

	out []byte
	in  []byte
}

func newUDPAnnouncer(ctx context.Context, addr string, src netip.Addr, cfg Config, w uint64) (*udpAnnouncer, error) {
	conn, err := dialUDP(ctx, addr, src)
	if err != nil {
		return nil, err
	}
	return &udpAnnouncer{
		conn:    conn,
		pop:     cfg.Population,
		numWant: int32(cfg.NumWant),
		rng:     rand.New(rand.NewPCG(cfg.Seed^0x5eed, w)),
		out:     make([]byte, 0, udpAnnounceLen),
		in:      make([]byte, maxUDPReply),
	}, nil
}

func dialUDP(ctx context.Context, addr string, src netip.Addr) (*net.UDPConn, error) {
	var d net.Dialer
	if src.IsValid() {
		d.LocalAddr = &net.UDPAddr{IP: src.AsSlice()}
	}
	c, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("loadgen: udp: %w", err)
	}
	return c.(*net.UDPConn), nil
}

func (u *udpAnnouncer) connections() int64 { return u.conns }

func (u *udpAnnouncer) close() { _ = u.conn.Close() }

// prepare obtains a connection id unless the current one is young enough.
func (u *udpAnnouncer) prepare(_ context.Context, deadline time.Time) error {
	if !u.connAt.IsZero() && time.Since(u.connAt) < connIDLifetime {
		return nil
	}
	id, err := udpConnect(u.conn, u.rng.Uint32(), deadline, u.in)
	if err != nil {
		return err
	}
	u.connID, u.connAt = id, time.Now()
	u.conns++
	return nil
}

func (u *udpAnnouncer) announce(_ context.Context, pe *Peer, started bool, deadline time.Time) (int, error) {
	event := uint32(udpEventNone)
	if started {
		event = udpEventStarted
	}
	tx := u.rng.Uint32()
	u.out = appendUDPAnnounce(u.out[:0], u.connID, tx, u.pop.hashes[pe.Torrent], pe, event, u.numWant)
	pkt, err := udpRoundTrip(u.conn, u.out, deadline, u.in, tx)
	if err != nil {
		return 0, err
	}
	n, err := parseUDPAnnounce(pkt, tx)
	if err != nil {
		u.connAt = time.Time{} // perhaps the id was refused: get a new one
		return 0, fmt.Errorf("loadgen: udp announce: %w", err)
	}
	return n, nil
}

// udpRoundTrip sends req and returns the first reply that carries
// transaction id tx (in buf), skipping replies to earlier requests.
func udpRoundTrip(conn *net.UDPConn, req []byte, deadline time.Time, buf []byte, tx uint32) ([]byte, error) {
	if err := conn.SetDeadline(deadline); err != nil {
		return nil, fmt.Errorf("loadgen: udp: %w", err)
	}
	if _, err := conn.Write(req); err != nil {
		return nil, fmt.Errorf("loadgen: udp: %w", err)
	}
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, fmt.Errorf("loadgen: udp: %w", err)
		}
		if isStray(buf[:n], tx) {
			continue
		}
		return buf[:n], nil
	}
}

func udpConnect(conn *net.UDPConn, tx uint32, deadline time.Time, buf []byte) (uint64, error) {
	var req [16]byte
	pkt, err := udpRoundTrip(conn, appendUDPConnect(req[:0], tx), deadline, buf, tx)
	if err != nil {
		return 0, err
	}
	id, err := parseUDPConnect(pkt, tx)
	if err != nil {
		return 0, fmt.Errorf("loadgen: udp connect: %w", err)
	}
	return id, nil
}

// Scrape asks the UDP tracker at target (udp://host:port) for the counts
// of every torrent of pop, in order, retrying each packet up to three
// times within timeout.
func Scrape(ctx context.Context, target string, pop *Population, timeout time.Duration) ([]SwarmCounts, error) {
	t, err := parseTarget(target)
	if err != nil {
		return nil, err
	}
	if !t.udp {
		return nil, fmt.Errorf("loadgen: scrape %q: want a udp:// URL", target)
	}
	conn, err := dialUDP(ctx, t.addr, netip.Addr{})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	buf := make([]byte, maxUDPReply)
	out := make([]SwarmCounts, 0, pop.Torrents())
	var connID uint64
	var connAt time.Time
	var req []byte
	for lo := 0; lo < pop.Torrents(); {
		hi := min(lo+maxUDPScrape, pop.Torrents())
		var err error
		for range 3 {
			if err = ctx.Err(); err != nil {
				return out, err
			}
			deadline := time.Now().Add(timeout / 3)
			if connAt.IsZero() || time.Since(connAt) >= connIDLifetime {
				connID, err = udpConnect(conn, rng.Uint32(), deadline, buf)
				if err != nil {
					continue
				}
				connAt = time.Now()
			}
			tx := rng.Uint32()
			req = appendUDPScrape(req[:0], connID, tx, pop.hashes[lo:hi])
			var pkt []byte
			pkt, err = udpRoundTrip(conn, req, deadline, buf, tx)
			if err != nil {
				continue
			}
			var got []SwarmCounts
			got, err = parseUDPScrape(pkt, tx, hi-lo, out)
			if err != nil {
				connAt = time.Time{}
				continue
			}
			out = got
			break
		}
		if err != nil {
			return out, fmt.Errorf("loadgen: scrape: %w", err)
		}
		lo = hi
	}
	return out, nil
}

// isStray reports whether pkt answers some other transaction than tx.
func isStray(pkt []byte, tx uint32) bool {
	return len(pkt) >= 8 && binary.BigEndian.Uint32(pkt[4:8]) != tx
}
