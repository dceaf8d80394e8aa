package router

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shoal/internal/rendezvous/proto"
)

func serve(t *testing.T, cfg Config) *Router {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key, _ = proto.GenerateKey(nil)
	}
	cfg.Cluster = "test"
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Serve(ctx, ln)
	}()
	t.Cleanup(func() { cancel(); <-done })
	for r.Addr() == nil {
		time.Sleep(time.Millisecond)
	}
	return r
}

type rawConn struct {
	net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, r *Router) (*rawConn, *proto.Challenge) {
	t.Helper()
	conn, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	c := &rawConn{Conn: conn, br: bufio.NewReader(conn)}
	f, err := proto.ReadFrame(c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, f.(*proto.Challenge)
}

// outcome reads until the router answers or closes: "registered",
// "refused" or "closed".
func (c *rawConn) outcome() string {
	f, err := proto.ReadFrame(c.br, nil)
	switch {
	case err != nil:
		return "closed"
	case f.Type() == proto.TypeRegistered:
		return "registered"
	case f.Type() == proto.TypeError:
		if _, err := proto.ReadFrame(c.br, nil); err == nil {
			return "error but open"
		}
		return "refused"
	}
	return "unexpected frame"
}

func TestSpoofedRegistration(t *testing.T) {
	r := serve(t, Config{})
	mine, _ := proto.GenerateKey(nil)
	victim, _ := proto.GenerateKey(nil)
	// A genuine registration captured for the replay.
	c0, ch0 := dialRaw(t, r)
	captured := &proto.Register{Purpose: proto.PurposePeer}
	captured.Sign(victim, ch0)
	proto.WriteFrame(c0, captured)
	if got := c0.outcome(); got != "registered" {
		t.Fatalf("genuine registration: %s", got)
	}
	tests := []struct {
		name string
		make func(ch *proto.Challenge) *proto.Register
	}{
		{"wrong signature", func(ch *proto.Challenge) *proto.Register {
			reg := &proto.Register{Purpose: proto.PurposePeer}
			reg.Sign(mine, ch)
			reg.Sig[0] ^= 1
			return reg
		}},
		{"replayed challenge", func(*proto.Challenge) *proto.Register { return captured }},
		{"someone else's public key", func(ch *proto.Challenge) *proto.Register {
			reg := &proto.Register{Purpose: proto.PurposePeer}
			reg.Sign(mine, ch)
			copy(reg.PublicKey[:], victim.Public().(ed25519.PublicKey))
			return reg
		}},
		{"signature over another address", func(ch *proto.Challenge) *proto.Register {
			other := *ch
			other.Observed = netipMust("192.0.2.1:1")
			reg := &proto.Register{Purpose: proto.PurposePeer}
			reg.Sign(mine, &other)
			return reg
		}},
		{"federation from an unpinned router", func(ch *proto.Challenge) *proto.Register {
			reg := &proto.Register{Purpose: proto.PurposeFederate}
			reg.Sign(mine, ch)
			return reg
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ch := dialRaw(t, r)
			proto.WriteFrame(c, tt.make(ch))
			if got := c.outcome(); got != "refused" {
				t.Errorf("got %s, want refused", got)
			}
		})
	}
	if st := r.Stats(); st.Sessions != 1 || st.Refused != int64(len(tests)) {
		t.Errorf("stats %+v", st)
	}
}

func TestMalformedFramesDropped(t *testing.T) {
	r := serve(t, Config{})
	k, _ := proto.GenerateKey(nil)
	register := func(t *testing.T) *rawConn {
		c, ch := dialRaw(t, r)
		reg := &proto.Register{Purpose: proto.PurposePeer}
		reg.Sign(k, ch)
		proto.WriteFrame(c, reg)
		if got := c.outcome(); got != "registered" {
			t.Fatalf("registration: %s", got)
		}
		return c
	}
	tests := []struct {
		name string
		raw  []byte
	}{
		{"zero length", []byte{0, 0, 0, 0}},
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff}},
		{"unknown type", []byte{0, 0, 0, 1, 250}},
		{"truncated body", []byte{0, 0, 0, 3, byte(proto.TypeConnectRequest), 1, 2}},
		{"trailing bytes", append([]byte{0, 0, 0, 30, byte(proto.TypeConnectRequest)}, make([]byte, 29)...)},
		{"frame not for peers", proto.AppendFrame(nil, &proto.Lookup{})},
		{"bad bool", append([]byte{0, 0, 0, 18, byte(proto.TypeAnswer)}, append(make([]byte, 16), 7)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := register(t)
			c.Write(tt.raw)
			for {
				_, err := proto.ReadFrame(c.br, nil)
				if err != nil {
					if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "reset") {
						t.Errorf("read: %v", err)
					}
					break
				}
			}
		})
	}
	// Garbage instead of a registration.
	c, _ := dialRaw(t, r)
	c.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	if got := c.outcome(); got != "closed" {
		t.Errorf("garbage handshake: %s", got)
	}
	// The router still serves.
	register(t)
	if got := r.Stats().Malformed; got < int64(len(tests)) {
		t.Errorf("malformed counter %d, want >= %d", got, len(tests))
	}
}

func TestMetricsEndpoint(t *testing.T) {
	r := serve(t, Config{})
	rec := httptest.NewRecorder()
	r.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, name := range []string{"shoal_router_sessions", "shoal_router_relayed_bytes_total", "shoal_router_lookup_seconds",
		"shoal_router_table_lookups_total", "shoal_router_table_lookup_seconds_total", "process_cpu_seconds_total"} {
		if !strings.Contains(rec.Body.String(), name) {
			t.Errorf("metrics lack %s", name)
		}
	}
}

func netipMust(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
