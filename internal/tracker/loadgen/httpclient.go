package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

var errHTTPStatus = errors.New("HTTP status")

// httpAnnouncer sends announces over one HTTP/1.1 connection at a time,
// keeping it open while the server does.
type httpAnnouncer struct {
	t       httpTarget
	pop     *Population
	numWant int
	dialer  net.Dialer

	conn      net.Conn
	br        *bufio.Reader
	served    int  // responses read on conn
	closeEach bool // one connection per announce
	conns     int64

	req  []byte
	body []byte
}

func newHTTPAnnouncer(t httpTarget, src netip.Addr, cfg Config) *httpAnnouncer {
	h := &httpAnnouncer{
		t:         t,
		pop:       cfg.Population,
		numWant:   cfg.NumWant,
		closeEach: cfg.NoKeepAlive,
		br:        bufio.NewReaderSize(nil, maxLineLen),
	}
	if src.IsValid() {
		h.dialer.LocalAddr = &net.TCPAddr{IP: src.AsSlice()}
	}
	return h
}

func (h *httpAnnouncer) prepare(context.Context, time.Time) error { return nil }

func (h *httpAnnouncer) connections() int64 { return h.conns }

func (h *httpAnnouncer) close() { h.drop() }

func (h *httpAnnouncer) drop() {
	if h.conn != nil {
		_ = h.conn.Close()
		h.conn = nil
		h.served = 0
	}
}

func (h *httpAnnouncer) announce(ctx context.Context, pe *Peer, started bool, deadline time.Time) (int, error) {
	event := ""
	if started {
		event = "started"
	}
	for attempt := 0; ; attempt++ {
		h.req = appendHTTPAnnounce(h.req[:0], h.t, h.pop.escaped[pe.Torrent], pe, event, h.numWant, h.closeEach)
		fresh := h.conn == nil
		if fresh {
			dctx, cancel := context.WithDeadline(ctx, deadline)
			c, err := h.dialer.DialContext(dctx, "tcp", h.t.host)
			cancel()
			if err != nil {
				return 0, fmt.Errorf("loadgen: dial: %w", err)
			}
			h.conn = c
			h.conns++
			h.br.Reset(c)
		}
		resp, err := h.roundTrip(deadline)
		if err != nil {
			served := h.served
			h.drop()
			if !fresh && attempt == 0 && isStale(err) {
				// The server closed the connection after its previous
				// reply without saying so. If it did so after its first,
				// it closes every connection: stop reusing them.
				if served == 1 {
					h.closeEach = true
				}
				continue
			}
			return 0, fmt.Errorf("loadgen: http: %w", err)
		}
		h.served++
		if resp.close || h.closeEach {
			h.drop()
		}
		if resp.status != 200 {
			return 0, fmt.Errorf("loadgen: %w %d", errHTTPStatus, resp.status)
		}
		return checkHTTPAnnounce(resp.body)
	}
}

func (h *httpAnnouncer) roundTrip(deadline time.Time) (httpResponse, error) {
	if err := h.conn.SetDeadline(deadline); err != nil {
		return httpResponse{}, err
	}
	if _, err := h.conn.Write(h.req); err != nil {
		return httpResponse{}, err
	}
	resp, err := readHTTPResponse(h.br, h.body)
	h.body = resp.body[:0]
	return resp, err
}

// isStale reports whether err means that a reused connection had already
// been closed by the server.
func isStale(err error) bool {
	return errors.Is(err, errNoResponse) || isConnReset(err)
}

func isConnReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
