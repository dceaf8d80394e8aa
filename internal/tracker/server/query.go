package server

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// MaxQueryLen is the longest announce or scrape query accepted, in bytes.
const MaxQueryLen = 8192

// MaxScrapeHashes is the most info hashes one HTTP scrape may ask about.
const MaxScrapeHashes = 64

var (
	errQueryTooLong = errors.New("query too long")
	errBadEscape    = errors.New("bad percent escape")
	errValueTooLong = errors.New("value too long")
)

// announceQuery is a parsed HTTP announce request (BEP 3).
type announceQuery struct {
	infoHash   bt.InfoHash
	peerID     bt.PeerID
	port       uint16
	uploaded   int64
	downloaded int64
	left       int64 // -1 when absent
	event      registry.Event
	numWant    int // -1 when absent
	compact    bool
	noPeerID   bool
	ip         netip.Addr          // the ip parameter, when it is an IP literal
	rendezvous registry.Rendezvous // see rendezvous.go; zero when absent or malformed
}

// parseAnnounceQuery parses the raw (still escaped) query of an announce.
// Unknown parameters are ignored; info_hash, peer_id and port are required.
func parseAnnounceQuery(raw string) (announceQuery, error) {
	q := announceQuery{left: -1, numWant: -1, compact: true}
	if len(raw) > MaxQueryLen {
		return q, errQueryTooLong
	}
	var haveHash, havePeer, havePort bool
	var buf [64]byte
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		name, value, _ := strings.Cut(pair, "=")
		var err error
		switch name {
		case "info_hash":
			if haveHash {
				return q, errors.New("info_hash: repeated")
			}
			haveHash = true
			err = unescapeExact(q.infoHash[:], value)
		case "peer_id":
			havePeer = true
			err = unescapeExact(q.peerID[:], value)
		case "port":
			var n int64
			n, err = parseCount(buf[:], value)
			if err == nil && (n < 1 || n > 65535) {
				err = errors.New("out of range")
			}
			q.port = uint16(n)
			havePort = true
		case "uploaded":
			q.uploaded, err = parseCount(buf[:], value)
		case "downloaded":
			q.downloaded, err = parseCount(buf[:], value)
		case "left":
			q.left, err = parseCount(buf[:], value)
		case "numwant":
			q.numWant, err = parseNumWant(buf[:], value)
		case "event":
			q.event, err = parseEvent(buf[:], value)
		case "compact":
			var b []byte
			b, err = unescape(buf[:0:len(buf)], value)
			q.compact = string(b) != "0"
		case "no_peer_id":
			var b []byte
			b, err = unescape(buf[:0:len(buf)], value)
			q.noPeerID = string(b) == "1"
		case "ip":
			var b []byte
			b, err = unescape(buf[:0:len(buf)], value)
			if a, perr := netip.ParseAddr(string(b)); err == nil && perr == nil && a.Zone() == "" {
				q.ip = a.Unmap()
			}
		case "rendezvous":
			q.rendezvous.ID = parseRendezvousID(value)
		case "router":
			q.rendezvous.Router = parseRouterContact(value)
		}
		if err != nil {
			return q, fmt.Errorf("%s: %w", name, err)
		}
	}
	switch {
	case !haveHash:
		return q, errors.New("missing info_hash")
	case !havePeer:
		return q, errors.New("missing peer_id")
	case !havePort:
		return q, errors.New("missing port")
	}
	if q.rendezvous.IsZero() {
		q.rendezvous.Router = ""
	}
	return q, nil
}

// parseScrapeQuery appends the info hashes of a scrape query to dst.
func parseScrapeQuery(raw string, dst []bt.InfoHash) ([]bt.InfoHash, error) {
	if len(raw) > MaxQueryLen {
		return dst, errQueryTooLong
	}
	n := 0
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		name, value, _ := strings.Cut(pair, "=")
		if name != "info_hash" {
			continue
		}
		if n == MaxScrapeHashes {
			return dst, fmt.Errorf("more than %d info_hash parameters", MaxScrapeHashes)
		}
		var h bt.InfoHash
		if err := unescapeExact(h[:], value); err != nil {
			return dst, fmt.Errorf("info_hash: %w", err)
		}
		dst = append(dst, h)
		n++
	}
	if n == 0 {
		return dst, errors.New("missing info_hash")
	}
	return dst, nil
}

// unescape appends the query-unescaped form of s to dst, failing rather than
// growing dst beyond its capacity.
func unescape(dst []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '%':
			if i+2 >= len(s) {
				return dst, errBadEscape
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return dst, errBadEscape
			}
			c = hi<<4 | lo
			i += 2
		case '+':
			c = ' '
		}
		if len(dst) == cap(dst) {
			return dst, errValueTooLong
		}
		dst = append(dst, c)
	}
	return dst, nil
}

// unescapeExact unescapes s into dst, which it must fill exactly.
func unescapeExact(dst []byte, s string) error {
	b, err := unescape(dst[:0:len(dst)], s)
	if err != nil {
		return err
	}
	if len(b) != len(dst) {
		return fmt.Errorf("want %d bytes, got %d", len(dst), len(b))
	}
	return nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseCount parses a non-negative decimal that fits in an int64.
func parseCount(buf []byte, s string) (int64, error) {
	b, err := unescape(buf[:0:len(buf)], s)
	if err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, errors.New("empty")
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errors.New("not a non-negative integer")
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, errors.New("too large")
		}
		n = n*10 + d
	}
	return n, nil
}

// numWantSaturation is where a parsed numwant stops growing.
const numWantSaturation = 1 << 20

// parseNumWant parses numwant: negative means the default, and values too
// large for an int saturate (the caller caps them).
func parseNumWant(buf []byte, s string) (int, error) {
	b, err := unescape(buf[:0:len(buf)], s)
	if err != nil {
		return 0, err
	}
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, errors.New("empty")
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errors.New("not an integer")
		}
		n = min(n*10+int(c-'0'), numWantSaturation)
	}
	if neg {
		return -1, nil
	}
	return n, nil
}

func parseEvent(buf []byte, s string) (registry.Event, error) {
	b, err := unescape(buf[:0:len(buf)], s)
	if err != nil {
		return 0, err
	}
	switch string(b) {
	case "", "empty", "paused":
		return registry.EventNone, nil
	case "started":
		return registry.EventStarted, nil
	case "completed":
		return registry.EventCompleted, nil
	case "stopped":
		return registry.EventStopped, nil
	}
	return 0, errors.New("unknown event")
}
