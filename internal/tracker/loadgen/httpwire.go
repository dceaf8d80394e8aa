package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// HTTP reply limits.
const (
	maxHeaderLines = 64
	maxLineLen     = 4096 // the size of the reader's buffer
	maxBodyLen     = 64 << 10
)

var (
	errNoResponse = errors.New("connection closed before a response")
	errHTTPSyntax = errors.New("malformed HTTP response")
	errChunked    = errors.New("chunked HTTP responses are not supported")
	errBodyLong   = errors.New("HTTP response body too long")
)

// httpTarget is where HTTP announces go.
type httpTarget struct {
	host string // host:port, for the Host header and to dial
	path string // e.g. /announce, possibly with a query
}

// appendHTTPAnnounce writes a GET request announcing peer pe of torrent
// hash (escaped, percent-encoded) with the given event ("" for none).
// closeConn asks the server to close the connection after its reply.
func appendHTTPAnnounce(dst []byte, t httpTarget, escapedHash string, pe *Peer, event string, numWant int, closeConn bool) []byte {
	dst = append(dst, "GET "...)
	dst = append(dst, t.path...)
	if strings.IndexByte(t.path, '?') >= 0 {
		dst = append(dst, '&')
	} else {
		dst = append(dst, '?')
	}
	dst = append(dst, "info_hash="...)
	dst = append(dst, escapedHash...)
	dst = append(dst, "&peer_id="...)
	dst = append(dst, pe.ID[:]...) // letters, digits and '-' need no escaping
	dst = append(dst, "&port="...)
	dst = strconv.AppendUint(dst, uint64(pe.Port), 10)
	dst = append(dst, "&uploaded=0&downloaded=0&left="...)
	dst = strconv.AppendInt(dst, pe.Left, 10)
	dst = append(dst, "&numwant="...)
	dst = strconv.AppendInt(dst, int64(numWant), 10)
	dst = append(dst, "&compact=1&no_peer_id=1"...)
	if event != "" {
		dst = append(dst, "&event="...)
		dst = append(dst, event...)
	}
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, t.host...)
	dst = append(dst, "\r\n"...)
	if closeConn {
		dst = append(dst, "Connection: close\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// httpResponse is a read HTTP response.
type httpResponse struct {
	status int
	body   []byte
	close  bool // the server closes the connection after this response
}

// readHTTPResponse reads one response from br into body[:0] (grown up to
// maxBodyLen). It fails with errNoResponse if the connection ended before
// the first byte.
func readHTTPResponse(br *bufio.Reader, body []byte) (httpResponse, error) {
	r := httpResponse{body: body[:0]}
	line, err := br.ReadSlice('\n')
	if err != nil {
		if len(line) == 0 && (errors.Is(err, io.EOF) || isConnReset(err)) {
			return r, errNoResponse
		}
		return r, fmt.Errorf("status line: %w", lineErr(err))
	}
	minor, status, ok := parseStatusLine(trimCRLF(line))
	if !ok {
		return r, errHTTPSyntax
	}
	r.status = status
	r.close = minor == 0
	length := -1
	for n := 0; ; n++ {
		if n == maxHeaderLines {
			return r, fmt.Errorf("%w: too many header lines", errHTTPSyntax)
		}
		line, err = br.ReadSlice('\n')
		if err != nil {
			return r, fmt.Errorf("header: %w", lineErr(err))
		}
		line = trimCRLF(line)
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return r, fmt.Errorf("%w: header without colon", errHTTPSyntax)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 {
				return r, fmt.Errorf("%w: content length %q", errHTTPSyntax, value)
			}
			if n > maxBodyLen {
				return r, errBodyLong
			}
			length = n
		case bytes.EqualFold(name, []byte("Connection")):
			switch {
			case bytes.EqualFold(value, []byte("close")):
				r.close = true
			case bytes.EqualFold(value, []byte("keep-alive")):
				r.close = false
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			if !bytes.EqualFold(value, []byte("identity")) {
				return r, errChunked
			}
		}
	}
	if length >= 0 {
		r.body = growTo(r.body, length)
		if _, err := io.ReadFull(br, r.body); err != nil {
			return r, fmt.Errorf("body: %w", err)
		}
		return r, nil
	}
	// No length: the body runs to the end of the connection.
	r.close = true
	for {
		if len(r.body) == cap(r.body) {
			if cap(r.body) >= maxBodyLen+1 {
				return r, errBodyLong
			}
			r.body = append(r.body, 0)[:len(r.body)]
		}
		n, err := br.Read(r.body[len(r.body):min(cap(r.body), maxBodyLen+1)])
		r.body = r.body[:len(r.body)+n]
		if len(r.body) > maxBodyLen {
			return r, errBodyLong
		}
		if errors.Is(err, io.EOF) {
			return r, nil
		}
		if err != nil {
			return r, fmt.Errorf("body: %w", err)
		}
	}
}

func growTo(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

func lineErr(err error) error {
	if errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("%w: line longer than %d bytes", errHTTPSyntax, maxLineLen)
	}
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func trimCRLF(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// parseStatusLine parses "HTTP/1.x NNN reason".
func parseStatusLine(b []byte) (minor, status int, ok bool) {
	rest, found := bytes.CutPrefix(b, []byte("HTTP/1."))
	if !found || len(rest) < 5 || rest[0] < '0' || rest[0] > '9' || rest[1] != ' ' {
		return 0, 0, false
	}
	minor = int(rest[0] - '0')
	code := rest[2:5]
	for _, c := range code {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		status = status*10 + int(c-'0')
	}
	if len(rest) > 5 && rest[5] != ' ' {
		return 0, 0, false
	}
	return minor, status, true
}
