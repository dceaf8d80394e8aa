package server

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/leakcheck"
)

// TestMain fails the run if the tests leave goroutines of this package
// behind.
func TestMain(m *testing.M) {
	leakcheck.Main(m, "tracker/server.(*Server)", "net/http.(*conn).serve")
}

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func ih(n byte) bt.InfoHash { return bt.InfoHash{0: n, 10: '%', 11: '&', 12: '=', 13: '+', 19: n} }

func peerID(n int) bt.PeerID {
	var p bt.PeerID
	copy(p[:], fmt.Sprintf("-TT0001-%012d", n))
	return p
}

// announceValues builds a typical announce query.
func announceValues(h bt.InfoHash, id bt.PeerID, port int, left int64) url.Values {
	return url.Values{
		"info_hash":  {string(h[:])},
		"peer_id":    {string(id[:])},
		"port":       {strconv.Itoa(port)},
		"uploaded":   {"0"},
		"downloaded": {"0"},
		"left":       {strconv.FormatInt(left, 10)},
		"compact":    {"1"},
	}
}

// decodeBencode is a small strict decoder for checking responses.
func decodeBencode(b []byte) (any, error) {
	v, rest, err := decodeValue(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

func decodeValue(b []byte, depth int) (any, []byte, error) {
	if depth > 32 {
		return nil, nil, errors.New("too deep")
	}
	if len(b) == 0 {
		return nil, nil, errors.New("unexpected end")
	}
	switch c := b[0]; {
	case c == 'i':
		end := strings.IndexByte(string(b), 'e')
		if end < 0 {
			return nil, nil, errors.New("unterminated int")
		}
		n, err := strconv.ParseInt(string(b[1:end]), 10, 64)
		return n, b[end+1:], err
	case c >= '0' && c <= '9':
		colon := strings.IndexByte(string(b), ':')
		if colon < 0 {
			return nil, nil, errors.New("bad string")
		}
		n, err := strconv.Atoi(string(b[:colon]))
		if err != nil || n < 0 || colon+1+n > len(b) {
			return nil, nil, errors.New("bad string length")
		}
		return string(b[colon+1 : colon+1+n]), b[colon+1+n:], nil
	case c == 'l':
		var l []any
		b = b[1:]
		for len(b) > 0 && b[0] != 'e' {
			v, rest, err := decodeValue(b, depth+1)
			if err != nil {
				return nil, nil, err
			}
			l, b = append(l, v), rest
		}
		if len(b) == 0 {
			return nil, nil, errors.New("unterminated list")
		}
		return l, b[1:], nil
	case c == 'd':
		d := map[string]any{}
		b = b[1:]
		last := ""
		for len(b) > 0 && b[0] != 'e' {
			k, rest, err := decodeValue(b, depth+1)
			if err != nil {
				return nil, nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, nil, errors.New("non-string key")
			}
			if len(d) > 0 && ks <= last {
				return nil, nil, fmt.Errorf("key %q out of order", ks)
			}
			last = ks
			v, rest, err := decodeValue(rest, depth+1)
			if err != nil {
				return nil, nil, err
			}
			d[ks], b = v, rest
		}
		if len(b) == 0 {
			return nil, nil, errors.New("unterminated dict")
		}
		return d, b[1:], nil
	}
	return nil, nil, fmt.Errorf("bad byte %q", b[0])
}
