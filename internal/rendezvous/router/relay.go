package router

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"shoal/internal/rendezvous/proto"
)

// leg is one connection of a relayed pair; r holds bytes already
// buffered from conn.
type leg struct {
	conn net.Conn
	r    io.Reader
	done chan struct{}
	once sync.Once
}

func newLeg(conn net.Conn, r io.Reader) *leg {
	return &leg{conn: conn, r: r, done: make(chan struct{})}
}

// finish closes the leg and wakes whoever waits on it.
func (l *leg) finish() {
	l.once.Do(func() {
		l.conn.Close()
		close(l.done)
	})
}

// joinPeerLeg records the relay leg of local peer id. It returns the two
// legs to splice once the pair is complete, or the router to dial when
// this router opens the router-to-router leg.
func (c *core) joinPeerLeg(tok proto.Token, id proto.ID, l *leg) (a, b *leg, dial *session, code proto.Code) {
	p := c.pairs[tok]
	if p == nil || p.state != stIntroduced || !c.cfg.Relay || !p.local(id) {
		return nil, nil, nil, proto.CodeNotFound
	}
	if p.legs[id] != nil {
		return nil, nil, nil, proto.CodeBadRequest
	}
	if p.legs == nil {
		p.legs = map[proto.ID]*leg{}
	}
	p.legs[id] = l
	if p.remote() == nil {
		if len(p.legs) == 2 {
			delete(c.pairs, tok)
			return p.legs[p.req], p.legs[p.tgt], nil, proto.CodeOK
		}
		return nil, nil, nil, proto.CodeOK
	}
	if p.routerLeg != nil {
		delete(c.pairs, tok)
		return l, p.routerLeg, nil, proto.CodeOK
	}
	if p.relayDialer && !p.dialing {
		p.dialing = true
		return nil, nil, p.remote(), proto.CodeOK
	}
	return nil, nil, nil, proto.CodeOK
}

// joinRouterLeg records the relay leg to or from the pair's other router.
func (c *core) joinRouterLeg(tok proto.Token, router proto.ID, l *leg) (a, b *leg, code proto.Code) {
	p := c.pairs[tok]
	if p == nil || p.state != stIntroduced || !c.cfg.Relay || p.remote() == nil || p.remote().id != router {
		return nil, nil, proto.CodeNotFound
	}
	if p.routerLeg != nil {
		return nil, nil, proto.CodeBadRequest
	}
	p.routerLeg = l
	for _, pl := range p.legs {
		delete(c.pairs, tok)
		return pl, l, proto.CodeOK
	}
	return nil, nil, proto.CodeOK
}

// splice copies between a and b until both directions end, maxBytes per
// direction is reached, or maxDur passes; count gets every chunk.
func splice(a, b *leg, maxBytes int64, maxDur time.Duration, count func(int64)) {
	deadline := time.Now().Add(maxDur)
	a.conn.SetDeadline(deadline)
	b.conn.SetDeadline(deadline)
	var wg sync.WaitGroup
	wg.Add(2)
	pipe := func(dst, src *leg) {
		defer wg.Done()
		err := copyCapped(dst.conn, src.r, maxBytes, count)
		if err == nil {
			if cw, ok := dst.conn.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
				return
			}
		}
		a.conn.Close()
		b.conn.Close()
	}
	go pipe(a, b)
	go pipe(b, a)
	wg.Wait()
	a.finish()
	b.finish()
}

var errRelayCap = errors.New("router: relay byte cap reached")

// copyCapped copies src to dst; nil means src ended cleanly.
func copyCapped(dst io.Writer, src io.Reader, max int64, count func(int64)) error {
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if total+int64(n) > max {
				return errRelayCap
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
			total += int64(n)
			count(int64(n))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
