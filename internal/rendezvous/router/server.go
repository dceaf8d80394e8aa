package router

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"shoal/internal/rendezvous/proto"
)

// Router is a running rendezvous router.
type Router struct {
	cfg     Config
	id      proto.ID
	log     *slog.Logger
	m       *metrics
	routers map[proto.ID]string // pinned routers and their addresses ("" when they dial in)

	mu   sync.Mutex
	core *core

	handshakes atomic.Int64
	wg         sync.WaitGroup
	ctx        context.Context
	addr       atomic.Pointer[net.TCPAddr]
}

// New checks cfg and makes a Router; Serve runs it.
func New(cfg Config) (*Router, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	r := &Router{cfg: cfg, id: proto.KeyID(cfg.Key), log: cfg.Logger, m: newMetrics(), routers: map[proto.ID]string{}}
	for _, id := range cfg.Accept {
		r.routers[id] = ""
	}
	for _, f := range cfg.Federate {
		if f.ID == r.id {
			return nil, errors.New("router: config: federating with itself")
		}
		r.routers[f.ID] = f.Addr
	}
	r.core = newCore(&r.cfg, r.m)
	return r, nil
}

// ID is the router's ID, which other routers pin.
func (r *Router) ID() proto.ID { return r.id }

// Addr is the listening address once Serve runs, else nil.
func (r *Router) Addr() net.Addr {
	if a := r.addr.Load(); a != nil {
		return a
	}
	return nil
}

// Federated reports whether r has a federation connection with the router
// id.
func (r *Router) Federated(id proto.ID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.core.federated(id)
}

// MetricsHandler serves the Prometheus metrics of r.
func (r *Router) MetricsHandler() http.Handler { return r.m.handler() }

// Stats returns the router's counters.
func (r *Router) Stats() Stats {
	r.mu.Lock()
	n := len(r.core.peers)
	r.mu.Unlock()
	return Stats{
		Sessions: n, Registrations: r.m.nReg.Load(), Refused: r.m.nRefused.Load(),
		Malformed: r.m.nMalformed.Load(), Connects: r.m.nConnects.Load(), RateLimited: r.m.nLimited.Load(),
		Relays: r.m.nRelays.Load(), RelayedBytes: r.m.nRelayed.Load(),
		TableLookups: r.m.nTable.Load(), TableLookupTime: time.Duration(r.m.tableNanos.Load()),
	}
}

// ListenAndServe listens on cfg.Listen and serves until ctx ends.
func (r *Router) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", r.cfg.Listen)
	if err != nil {
		return fmt.Errorf("router: listen: %w", err)
	}
	return r.Serve(ctx, ln)
}

// Serve accepts connections on ln, dials the federated routers and runs
// until ctx ends; it closes ln and every connection before returning.
func (r *Router) Serve(ctx context.Context, ln net.Listener) error {
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		r.addr.Store(a)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.ctx = ctx
	var conns sync.Map // every open connection, closed on shutdown
	track := func(c net.Conn) func() {
		conns.Store(c, struct{}{})
		return func() { conns.Delete(c) }
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		<-ctx.Done()
		ln.Close()
		conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
	}()
	r.wg.Add(1)
	go r.ticker(ctx)
	for _, f := range r.cfg.Federate {
		r.wg.Add(1)
		go r.federate(ctx, f, track)
	}
	r.log.Info("router: serving", "cluster", r.cfg.Cluster, "id", r.id, "addr", ln.Addr())
	var err error
	for {
		conn, aerr := ln.Accept()
		if aerr != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("router: accept: %w", aerr)
			}
			break
		}
		if r.handshakes.Add(1) > int64(r.cfg.Limits.Handshakes) {
			r.handshakes.Add(-1)
			conn.Close()
			continue
		}
		untrack := track(conn)
		if ctx.Err() != nil { // raced with shutdown
			conn.Close()
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer untrack()
			defer conn.Close()
			r.serveConn(conn)
		}()
	}
	cancel()
	r.wg.Wait()
	return err
}

func (r *Router) ticker(ctx context.Context) {
	defer r.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.mu.Lock()
			r.core.tick(now)
			r.mu.Unlock()
		}
	}
}

// serveConn authenticates one inbound connection and runs it as a peer
// session, a federation session or a relay leg.
func (r *Router) serveConn(conn net.Conn) {
	handshaking := true
	defer func() {
		if handshaking {
			r.handshakes.Add(-1)
		}
	}()
	observed := addrPort(conn.RemoteAddr())
	r.mu.Lock()
	code := r.core.admit(time.Now(), observed.Addr())
	r.mu.Unlock()
	if code != proto.CodeOK {
		r.refuse(conn, code, "registration limit")
		return
	}
	start := time.Now()
	conn.SetDeadline(start.Add(r.cfg.HandshakeTimeout))
	br := bufio.NewReaderSize(conn, readBuffer)
	c, err := challenge(conn, r.cfg.Cluster, r.cfg.Rand)
	if err != nil {
		return
	}
	reg, err := readAs[*proto.Register](br, nil)
	if err != nil {
		r.m.nMalformed.Add(1)
		return
	}
	rtt := time.Since(start)
	id, ok := reg.Verify(c)
	if !ok {
		r.refuse(conn, proto.CodeUnauthorized, "bad signature")
		return
	}
	_, isRouter := r.routers[id]
	if isRouter {
		// A router proves its key and checks ours.
		theirs, err := readAs[*proto.Challenge](br, nil)
		if err != nil {
			return
		}
		mine := &proto.Register{Purpose: reg.Purpose}
		mine.Sign(r.cfg.Key, theirs)
		if err := proto.WriteFrame(conn, mine); err != nil {
			return
		}
	}
	if reg.Purpose == proto.PurposeFederate && !isRouter {
		r.refuse(conn, proto.CodeUnauthorized, "router not pinned")
		return
	}
	s := newSession(id, conn)
	if isRouter && reg.Purpose == proto.PurposeFederate {
		s = newFedSession(id, conn)
	}
	s.observed, s.private, s.reachable, s.router = observed, reg.Private, reg.Reachable, isRouter
	s.addr = r.routers[id]
	s.setRTT(rtt)
	switch reg.Purpose {
	case proto.PurposeRelay:
		bind, err := readAs[*proto.RelayBind](br, nil)
		if err != nil {
			return
		}
		if !isRouter {
			// A peer that pins this router checks its key on every leg
			// too. The proof goes out before the leg joins its pair, so
			// it precedes every relayed byte and is not counted as one.
			if err := proto.WriteFrame(conn, r.registered(observed, reg)); err != nil {
				return
			}
		}
		conn.SetDeadline(time.Time{})
		r.handshakes.Add(-1)
		handshaking = false
		r.relayLeg(bind.Token, s, newLeg(conn, br))
		return
	case proto.PurposePeer:
		r.mu.Lock()
		code := r.core.register(s)
		r.mu.Unlock()
		if code != proto.CodeOK {
			r.refuse(conn, code, "session limit")
			return
		}
		r.m.registered(true)
	case proto.PurposeFederate:
		r.mu.Lock()
		kept := r.core.addFed(s)
		r.mu.Unlock()
		if !kept {
			return // we keep the connection we dialed to that router
		}
	}
	r.handshakes.Add(-1)
	handshaking = false
	s.send(r.registered(observed, reg))
	r.log.Debug("router: registered", "id", id, "observed", observed, "private", reg.Private, "router", isRouter)
	r.runSession(conn, br, s)
}

// registered is the signed answer to the registration reg, sent on a
// peer's control connection and on its relay legs: a peer that pins this
// router checks it.
func (r *Router) registered(observed netip.AddrPort, reg *proto.Register) *proto.Registered {
	f := &proto.Registered{Observed: observed, Cluster: r.cfg.Cluster}
	f.Sign(r.cfg.Key, reg)
	return f
}

func (r *Router) refuse(conn net.Conn, code proto.Code, why string) {
	r.m.registered(false)
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	proto.WriteFrame(conn, &proto.Error{Code: code, Text: why})
}

// runSession runs the reader of an authenticated session (its writer in a
// second goroutine) until either fails.
func (r *Router) runSession(conn net.Conn, br *bufio.Reader, s *session) {
	conn.SetDeadline(time.Time{})
	s.startPings(r.cfg.PingInterval)
	defer func() {
		s.close()
		s.wg.Wait()
		r.mu.Lock()
		if s.router {
			r.core.removeFed(s)
		} else {
			r.core.unregister(s)
		}
		r.mu.Unlock()
	}()
	if s.router {
		br = bufio.NewReaderSize(br, fedReadBuffer) // large reads pass the small buffer
	}
	// The idle deadline moves at most every eighth of IdleTimeout, not
	// on every frame.
	var renewed time.Time
	for {
		if now := time.Now(); now.Sub(renewed) > r.cfg.IdleTimeout/8 {
			conn.SetReadDeadline(now.Add(r.cfg.IdleTimeout))
			renewed = now
		}
		f, err := proto.ReadFrame(br, nil)
		if err != nil {
			if errors.Is(err, proto.ErrMalformed) || errors.Is(err, proto.ErrTooLarge) || errors.Is(err, proto.ErrUnknown) {
				r.m.nMalformed.Add(1)
				r.log.Debug("router: malformed frame", "id", s.id, "err", err)
			}
			return
		}
		now := time.Now()
		r.mu.Lock()
		if s.router {
			err = r.core.fedFrame(now, s, f)
		} else {
			err = r.core.peerFrame(now, s, f)
		}
		r.mu.Unlock()
		if err != nil {
			r.m.nMalformed.Add(1)
			r.log.Debug("router: closing", "id", s.id, "err", err)
			return
		}
	}
}

// relayLeg joins a relay leg to its pair and, when the pair is complete,
// splices it; a leg waiting for its partner blocks here until then.
func (r *Router) relayLeg(tok proto.Token, s *session, l *leg) {
	var a, b *leg
	var dial *session
	var code proto.Code
	r.mu.Lock()
	if s.router {
		a, b, code = r.core.joinRouterLeg(tok, s.id, l)
	} else {
		a, b, dial, code = r.core.joinPeerLeg(tok, s.id, l)
	}
	r.mu.Unlock()
	if code != proto.CodeOK {
		proto.WriteFrame(l.conn, &proto.Error{Code: code, Text: "no such relay"})
		return
	}
	if dial != nil {
		r.wg.Add(1)
		go r.dialRelay(tok, dial)
	}
	if a != nil {
		r.m.relays.Inc()
		r.m.nRelays.Add(1)
		splice(a, b, r.cfg.RelayMaxBytes, r.cfg.RelayMaxDuration, r.m.relayed)
		return
	}
	// Wait for the partner: the splice, or the pair's expiry, ends l.
	select {
	case <-l.done:
	case <-r.ctx.Done():
	}
}
