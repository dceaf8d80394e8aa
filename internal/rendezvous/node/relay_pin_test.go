package node_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/rendezvous/rdvtest"
	"shoal/internal/rendezvous/router"
)

// TestRelayPinned makes relayed links with and without a pinned router,
// through one router and through two federated ones.
func TestRelayPinned(t *testing.T) {
	for _, tc := range []struct {
		name      string
		federated bool
		pin       bool
	}{
		{"no pin", false, false},
		{"pinned", false, true},
		{"federated, no pin", true, false},
		{"federated, pinned", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ra := startRouter(t, router.Config{Relay: true})
			rb := ra
			if tc.federated {
				ra, rb = federated(t, router.Config{Relay: true}, router.Config{Relay: true})
			}
			ca, cb := node.Config{NoDirect: true}, node.Config{NoDirect: true}
			if tc.pin {
				ca.RouterID, cb.RouterID = ra.ID(), rb.ID()
			}
			a := startNode(t, ra, ca)
			b := startNode(t, rb, cb)
			echo(t, b)
			l, err := a.Dial(t.Context(), b.ID())
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if l.Kind() != node.KindRelayed {
				t.Errorf("kind %v, want relayed", l.Kind())
			}
			roundTrip(t, l, "via the pinned router")
		})
	}
}

// TestRelayImpostor puts a man in the middle between two nodes and their
// router: it passes the control connections through, so registration
// succeeds, but answers the relay legs itself with its own key and splices
// them. Unpinned nodes link through it; nodes that pin the router drop its
// legs and get no link.
func TestRelayImpostor(t *testing.T) {
	for _, tc := range []struct {
		name string
		pin  bool
	}{
		{"no pin", false},
		{"pinned", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRouter(t, router.Config{Relay: true})
			mitm := startImpostor(t, r.Addr().String())
			var logs syncBuffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			cfg := node.Config{NoDirect: true, ConnectTimeout: 2 * time.Second, Logger: log}
			if tc.pin {
				cfg.RouterID = r.ID()
			}
			a := rdvtest.StartNodeAt(t, mitm.addr(), cfg)
			b := rdvtest.StartNodeAt(t, mitm.addr(), cfg)
			echo(t, b)
			l, err := a.Dial(t.Context(), b.ID())
			if mitm.legs() == 0 {
				t.Fatal("no relay leg reached the impostor")
			}
			if !tc.pin {
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				roundTrip(t, l, "via the impostor")
				return
			}
			if err == nil {
				l.Close()
				t.Fatal("pinned node linked through the impostor")
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("dial: %v, want deadline exceeded", err)
			}
			if !strings.Contains(logs.String(), node.ErrRouterKey.Error()) {
				t.Errorf("no relay leg failed the key check; log:\n%s", logs.String())
			}
			if st := r.Stats(); st.Relays != 0 {
				t.Errorf("router relayed %d pairs, want none", st.Relays)
			}
		})
	}
}

// impostor listens in front of a router. Every connection gets the
// router's challenge; a control connection is then passed through to the
// router, while a relay leg is answered with the impostor's own key and
// spliced with the other leg of its token.
type impostor struct {
	ln     net.Listener
	router string
	key    ed25519.PrivateKey
	wg     sync.WaitGroup

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	waiting map[proto.Token]*bufConn
	nlegs   int
}

type bufConn struct {
	net.Conn
	br *bufio.Reader
}

func startImpostor(t *testing.T, routerAddr string) *impostor {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &impostor{ln: ln, router: routerAddr, key: key(t), conns: map[net.Conn]struct{}{}, waiting: map[proto.Token]*bufConn{}}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !m.track(c) {
				return
			}
			m.wg.Add(1)
			go func() {
				defer m.wg.Done()
				m.serve(&bufConn{Conn: c, br: bufio.NewReader(c)})
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		m.mu.Lock()
		for c := range m.conns {
			c.Close()
		}
		m.conns = nil
		m.mu.Unlock()
		m.wg.Wait()
	})
	return m
}

func (m *impostor) addr() string { return m.ln.Addr().String() }

// track records c for closing at the end; false (and c closed) once closed.
func (m *impostor) track(c net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conns == nil {
		c.Close()
		return false
	}
	m.conns[c] = struct{}{}
	return true
}

// legs is the number of relay legs the impostor answered.
func (m *impostor) legs() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nlegs
}

func (m *impostor) serve(c *bufConn) {
	waiting := false // a leg waiting for its partner stays open
	defer func() {
		if !waiting {
			c.Close()
		}
	}()
	rc, err := net.Dial("tcp", m.router)
	if err != nil || !m.track(rc) {
		return
	}
	defer rc.Close()
	up := &bufConn{Conn: rc, br: bufio.NewReader(rc)}
	ch, err := proto.ReadFrame(up.br, nil)
	if err != nil || proto.WriteFrame(c, ch) != nil {
		return
	}
	f, err := proto.ReadFrame(c.br, nil)
	reg, ok := f.(*proto.Register)
	if err != nil || !ok {
		return
	}
	if reg.Purpose != proto.PurposeRelay {
		if proto.WriteFrame(up, reg) != nil {
			return
		}
		splice(c, up)
		return
	}
	rc.Close()
	f, err = proto.ReadFrame(c.br, nil)
	bind, ok := f.(*proto.RelayBind)
	if err != nil || !ok {
		return
	}
	proof := &proto.Registered{Cluster: "test"}
	proof.Sign(m.key, reg)
	if proto.WriteFrame(c, proof) != nil {
		return
	}
	m.mu.Lock()
	m.nlegs++
	other := m.waiting[bind.Token]
	if other == nil {
		m.waiting[bind.Token] = c
		m.mu.Unlock()
		waiting = true
		return
	}
	delete(m.waiting, bind.Token)
	m.mu.Unlock()
	splice(c, other)
}

// splice copies between a and b until either side ends.
func splice(a, b *bufConn) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		io.Copy(a, b.br)
		a.Close()
		b.Close()
	}()
	io.Copy(b, a.br)
	a.Close()
	b.Close()
	wg.Wait()
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
