package router

import (
	"context"
	"net"
	"time"

	"shoal/internal/rendezvous/proto"
)

// federate keeps a federation connection to f, redialing with backoff.
func (r *Router) federate(ctx context.Context, f Remote, track func(net.Conn) func()) {
	defer r.wg.Done()
	backoff := 100 * time.Millisecond
	d := &net.Dialer{Timeout: r.cfg.HandshakeTimeout}
	for ctx.Err() == nil {
		r.mu.Lock()
		up := r.core.federated(f.ID)
		r.mu.Unlock()
		if up {
			// The other router dialed us and its connection won the
			// tie-break; dial again only once it is gone.
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		conn, br, err := dialRouter(d, f.Addr, r.cfg.Key, f.ID, proto.PurposeFederate, r.cfg.Cluster, r.cfg.Rand, r.cfg.HandshakeTimeout)
		if err == nil {
			conn.SetDeadline(time.Now().Add(r.cfg.HandshakeTimeout))
			_, err = readAs[*proto.Registered](br, nil)
			if err != nil {
				conn.Close()
			}
		}
		if err != nil {
			r.log.Debug("router: federate", "router", f.ID, "addr", f.Addr, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 10*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		untrack := track(conn)
		if ctx.Err() != nil {
			conn.Close()
		}
		s := newFedSession(f.ID, conn)
		s.router, s.outgoing, s.addr, s.observed = true, true, f.Addr, addrPort(conn.RemoteAddr())
		r.mu.Lock()
		kept := r.core.addFed(s)
		r.mu.Unlock()
		if !kept {
			untrack()
			conn.Close()
			continue
		}
		r.log.Info("router: federated", "router", f.ID, "addr", f.Addr)
		r.runSession(conn, br, s)
		untrack()
		conn.Close()
	}
}

// dialRelay opens the router-to-router leg of a relayed pair.
func (r *Router) dialRelay(tok proto.Token, remote *session) {
	defer r.wg.Done()
	d := &net.Dialer{Timeout: r.cfg.HandshakeTimeout}
	conn, br, err := dialRouter(d, remote.addr, r.cfg.Key, remote.id, proto.PurposeRelay, r.cfg.Cluster, r.cfg.Rand, r.cfg.HandshakeTimeout)
	if err == nil {
		err = proto.WriteFrame(conn, &proto.RelayBind{Token: tok})
		if err != nil {
			conn.Close()
		}
	}
	if err != nil {
		r.log.Debug("router: relay dial", "router", remote.id, "err", err)
		return
	}
	stop := context.AfterFunc(r.ctx, func() { conn.Close() })
	defer stop()
	r.relayLeg(tok, remote, newLeg(conn, br))
}
