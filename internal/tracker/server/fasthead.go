package server

import (
	"bytes"
	"errors"
	"strings"
)

// fastHeadMax bounds the request head the fast path reads; a longer head
// is handed to net/http, which applies its own limit.
const fastHeadMax = 4096

var (
	// errHeadIncomplete: no complete request head yet.
	errHeadIncomplete = errors.New("server: incomplete request head")
	// errNotFast: a request the fast path leaves to net/http.
	errNotFast = errors.New("server: not a plain tracker request")
)

// fastHead is what the fast path needs of a request head.
type fastHead struct {
	scrape    bool   // GET /scrape; else GET /announce
	rawQuery  string // after the '?', still escaped
	forwarded []string
	close     bool // the connection is closed after the reply
	http10    bool // HTTP/1.0 keeping the connection open
	length    int  // bytes of the head, up to and including its empty line
}

// parseFastHead parses the request head at the start of b, appending its
// X-Forwarded-For values to fwd. It accepts only what it fully understands:
// GET /announce or /scrape in origin form, HTTP/1.0 or 1.1, CRLF line ends,
// no body, a Host header on HTTP/1.1. Anything else is errNotFast, so
// that net/http answers it exactly as it would any request; a head that
// is not complete within fastHeadMax bytes is errNotFast too.
func parseFastHead(b []byte, fwd []string) (fastHead, error) {
	h := fastHead{forwarded: fwd}
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) >= fastHeadMax || bytes.Contains(b, []byte("\n\n")) {
			return h, errNotFast
		}
		return h, errHeadIncomplete
	}
	h.length = end + 4
	if h.length > fastHeadMax {
		return h, errNotFast
	}
	head := b[:end+2] // every line ends with CRLF
	line, head, _ := bytes.Cut(head, []byte("\r\n"))
	rest, ok := bytes.CutPrefix(line, []byte("GET "))
	if !ok {
		return h, errNotFast
	}
	target, version, ok := bytes.Cut(rest, []byte(" "))
	if !ok {
		return h, errNotFast
	}
	switch string(version) {
	case "HTTP/1.1":
	case "HTTP/1.0":
		h.http10 = true
	default:
		return h, errNotFast
	}
	path, query, _ := bytes.Cut(target, []byte("?"))
	switch string(path) {
	case "/announce":
	case "/scrape":
		h.scrape = true
	default:
		return h, errNotFast
	}
	if bytes.IndexByte(query, '#') >= 0 || !printable(query) {
		return h, errNotFast
	}
	h.rawQuery = string(query)

	var hosts int
	var connClose, keepAlive bool
	for len(head) > 0 {
		line, head, _ = bytes.Cut(head, []byte("\r\n"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !isToken(name) || bytes.IndexByte(line, '\n') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
			return h, errNotFast
		}
		value = bytes.Trim(value, " \t")
		switch {
		case equalFold(name, "host"):
			hosts++
		case equalFold(name, "x-forwarded-for"):
			h.forwarded = append(h.forwarded, string(value))
		case equalFold(name, "connection"):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				tok = bytes.Trim(tok, " \t")
				connClose = connClose || equalFold(tok, "close")
				keepAlive = keepAlive || equalFold(tok, "keep-alive")
			}
		case equalFold(name, "content-length"):
			if string(value) != "0" {
				return h, errNotFast
			}
		case equalFold(name, "transfer-encoding"), equalFold(name, "expect"), equalFold(name, "upgrade"):
			return h, errNotFast
		}
	}
	if hosts > 1 || (hosts == 0 && !h.http10) {
		return h, errNotFast
	}
	if h.http10 {
		h.close = connClose || !keepAlive
		h.http10 = !h.close
	} else {
		h.close = connClose
	}
	return h, nil
}

// isToken reports whether b is a non-empty HTTP token (a header name).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// printable reports whether b has only visible ASCII characters.
func printable(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// equalFold is ASCII case-insensitive equality with a lower-case s.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
