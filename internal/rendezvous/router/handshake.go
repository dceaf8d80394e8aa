package router

import (
	"bufio"
	"crypto/ed25519"
	"fmt"
	"net"
	"net/netip"
	"time"

	"shoal/internal/rendezvous/proto"
)

// addrPort converts a net.Addr of a TCP connection.
func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// challenge sends a fresh challenge on conn.
func challenge(conn net.Conn, cluster string, random func([]byte)) (*proto.Challenge, error) {
	c := &proto.Challenge{Observed: addrPort(conn.RemoteAddr()), Cluster: cluster}
	random(c.Nonce[:])
	if err := proto.WriteFrame(conn, c); err != nil {
		return nil, fmt.Errorf("router: challenge: %w", err)
	}
	return c, nil
}

// readAs reads one frame and requires type T.
func readAs[T proto.Frame](br *bufio.Reader, buf []byte) (T, error) {
	var zero T
	f, err := proto.ReadFrame(br, buf)
	if err != nil {
		return zero, err
	}
	if e, ok := f.(*proto.Error); ok {
		return zero, e
	}
	t, ok := f.(T)
	if !ok {
		return zero, fmt.Errorf("%w: got %T, want %T", errViolation, f, zero)
	}
	return t, nil
}

// dialRouter opens an authenticated connection to the router want at
// addr for purpose, proving this router's key and checking the other's.
func dialRouter(d *net.Dialer, addr string, key ed25519.PrivateKey, want proto.ID, purpose proto.Purpose,
	cluster string, random func([]byte), timeout time.Duration) (net.Conn, *bufio.Reader, error) {
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("router: dial %s: %w", addr, err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	br := bufio.NewReaderSize(conn, 16<<10)
	fail := func(err error) (net.Conn, *bufio.Reader, error) {
		conn.Close()
		return nil, nil, fmt.Errorf("router: handshake with %s: %w", addr, err)
	}
	c, err := readAs[*proto.Challenge](br, nil)
	if err != nil {
		return fail(err)
	}
	reg := &proto.Register{Purpose: purpose}
	reg.Sign(key, c)
	mine := &proto.Challenge{Observed: addrPort(conn.RemoteAddr()), Cluster: cluster}
	random(mine.Nonce[:])
	out := proto.AppendFrame(proto.AppendFrame(nil, reg), mine)
	if _, err := conn.Write(out); err != nil {
		return fail(err)
	}
	theirs, err := readAs[*proto.Register](br, nil)
	if err != nil {
		return fail(err)
	}
	id, ok := theirs.Verify(mine)
	if !ok || id != want || theirs.Purpose != purpose {
		return fail(fmt.Errorf("router is %s, pinned %s", id, want))
	}
	conn.SetDeadline(time.Time{})
	return conn, br, nil
}
