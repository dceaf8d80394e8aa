package loadgen

import (
	"errors"
	"fmt"
)

// maxReasonLen bounds the failure reason kept from a reply.
const maxReasonLen = 256

// TrackerError is a tracker's refusal: an HTTP "failure reason" or a UDP
// error packet.
type TrackerError struct {
	Reason string
}

func (e *TrackerError) Error() string { return "loadgen: tracker failure: " + e.Reason }

func trackerError(reason []byte) *TrackerError {
	if len(reason) > maxReasonLen {
		reason = reason[:maxReasonLen]
	}
	return &TrackerError{Reason: string(reason)}
}

var (
	errBencode = errors.New("malformed bencode")
	errNoPeers = errors.New("reply has no peer list")
)

// maxBencodeDepth bounds the nesting of a reply.
const maxBencodeDepth = 16

// checkHTTPAnnounce validates a bencoded announce reply and returns how
// many peers it lists (compact IPv4 and IPv6 lists or a list of
// dictionaries). A reply with a failure reason gives a *TrackerError.
func checkHTTPAnnounce(body []byte) (int, error) {
	if len(body) == 0 || body[0] != 'd' {
		return 0, fmt.Errorf("%w: not a dictionary", errBencode)
	}
	b := body[1:]
	peers, havePeers := 0, false
	for {
		if len(b) == 0 {
			return 0, fmt.Errorf("%w: unterminated dictionary", errBencode)
		}
		if b[0] == 'e' {
			if len(b) != 1 {
				return 0, fmt.Errorf("%w: trailing bytes", errBencode)
			}
			break
		}
		key, rest, err := bString(b)
		if err != nil {
			return 0, err
		}
		b = rest
		value := b
		rest, err = bSkip(b, 1)
		if err != nil {
			return 0, err
		}
		value = value[:len(value)-len(rest)]
		b = rest
		switch string(key) {
		case "failure reason":
			reason, _, err := bString(value)
			if err != nil {
				return 0, err
			}
			return 0, trackerError(reason)
		case "peers", "peers6":
			n, err := countPeers(value, len(key) == 6)
			if err != nil {
				return 0, err
			}
			peers += n
			havePeers = true
		}
	}
	if !havePeers {
		return 0, errNoPeers
	}
	return peers, nil
}

// countPeers counts the peers of a peers or peers6 value.
func countPeers(v []byte, v6 bool) (int, error) {
	size := 6
	if v6 {
		size = 18
	}
	if len(v) > 0 && v[0] == 'l' {
		n := 0
		b := v[1:]
		for len(b) > 0 && b[0] != 'e' {
			rest, err := bSkip(b, 2)
			if err != nil {
				return 0, err
			}
			b = rest
			n++
		}
		return n, nil
	}
	s, _, err := bString(v)
	if err != nil {
		return 0, err
	}
	if len(s)%size != 0 {
		return 0, fmt.Errorf("%w: compact peers of %d bytes", errBencode, len(s))
	}
	return len(s) / size, nil
}

// bString reads a byte string "len:bytes" from the start of b.
func bString(b []byte) (s, rest []byte, err error) {
	n, i := 0, 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if i == 8 {
			return nil, nil, fmt.Errorf("%w: string length", errBencode)
		}
		n = n*10 + int(b[i]-'0')
	}
	if i == 0 || i >= len(b) || b[i] != ':' {
		return nil, nil, fmt.Errorf("%w: string", errBencode)
	}
	b = b[i+1:]
	if n > len(b) {
		return nil, nil, fmt.Errorf("%w: string of %d bytes past the end", errBencode, n)
	}
	return b[:n], b[n:], nil
}

// bSkip skips one value at the start of b; depth is the nesting of that
// value.
func bSkip(b []byte, depth int) ([]byte, error) {
	if depth > maxBencodeDepth {
		return nil, fmt.Errorf("%w: nested too deeply", errBencode)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: missing value", errBencode)
	}
	switch c := b[0]; {
	case c == 'i':
		i := 1
		if i < len(b) && b[i] == '-' {
			i++
		}
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' && i-start < 20 {
			i++
		}
		if i == start || i >= len(b) || b[i] != 'e' {
			return nil, fmt.Errorf("%w: integer", errBencode)
		}
		return b[i+1:], nil
	case c == 'l' || c == 'd':
		b = b[1:]
		for {
			if len(b) == 0 {
				return nil, fmt.Errorf("%w: unterminated container", errBencode)
			}
			if b[0] == 'e' {
				return b[1:], nil
			}
			if c == 'd' {
				_, rest, err := bString(b)
				if err != nil {
					return nil, err
				}
				b = rest
			}
			rest, err := bSkip(b, depth+1)
			if err != nil {
				return nil, err
			}
			b = rest
		}
	case c >= '0' && c <= '9':
		_, rest, err := bString(b)
		return rest, err
	}
	return nil, fmt.Errorf("%w: unexpected byte %q", errBencode, b[0])
}
