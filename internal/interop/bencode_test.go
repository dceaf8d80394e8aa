package interop

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// A deliberately small bencode reader for the harness itself: it reads torrents
// written by shoal or mktorrent and tracker answers, so the tests do not depend
// on the code they check.

var errBencode = errors.New("interop: bencode")

// bdecode decodes one value starting at b[i] and returns it with the index just
// past it. Values are int64, []byte, []any and map[string]any.
func bdecode(b []byte, i int) (any, int, error) {
	if i >= len(b) {
		return nil, 0, fmt.Errorf("%w: truncated at %d", errBencode, i)
	}
	switch c := b[i]; {
	case c == 'i':
		j := bytes.IndexByte(b[i:], 'e')
		if j < 0 {
			return nil, 0, fmt.Errorf("%w: unterminated integer", errBencode)
		}
		n, err := strconv.ParseInt(string(b[i+1:i+j]), 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: integer: %w", errBencode, err)
		}
		return n, i + j + 1, nil
	case c == 'l':
		var out []any
		i++
		for i < len(b) && b[i] != 'e' {
			v, next, err := bdecode(b, i)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, v)
			i = next
		}
		return out, i + 1, nil
	case c == 'd':
		out := map[string]any{}
		i++
		for i < len(b) && b[i] != 'e' {
			k, next, err := bdecode(b, i)
			if err != nil {
				return nil, 0, err
			}
			key, ok := k.([]byte)
			if !ok {
				return nil, 0, fmt.Errorf("%w: dictionary key is not a string", errBencode)
			}
			v, next, err := bdecode(b, next)
			if err != nil {
				return nil, 0, err
			}
			out[string(key)] = v
			i = next
		}
		return out, i + 1, nil
	case c >= '0' && c <= '9':
		j := bytes.IndexByte(b[i:], ':')
		if j < 0 {
			return nil, 0, fmt.Errorf("%w: string without colon", errBencode)
		}
		n, err := strconv.Atoi(string(b[i : i+j]))
		if err != nil || n < 0 || i+j+1+n > len(b) {
			return nil, 0, fmt.Errorf("%w: bad string length at %d", errBencode, i)
		}
		start := i + j + 1
		return b[start : start+n], start + n, nil
	default:
		return nil, 0, fmt.Errorf("%w: unexpected byte %q at %d", errBencode, c, i)
	}
}

// torrentFile is what the harness needs to know about a .torrent.
type torrentFile struct {
	InfoHash    [20]byte
	Name        string
	PieceLength int64
	Pieces      [][20]byte
	Length      int64 // total payload length
}

func (tf torrentFile) InfoHashHex() string { return fmt.Sprintf("%x", tf.InfoHash) }

// readTorrent parses path and hashes the exact info bytes.
func readTorrent(path string) (torrentFile, error) {
	var tf torrentFile
	data, err := os.ReadFile(path)
	if err != nil {
		return tf, err
	}
	if len(data) == 0 || data[0] != 'd' {
		return tf, fmt.Errorf("%w: %s is not a dictionary", errBencode, path)
	}
	var info map[string]any
	for i := 1; i < len(data) && data[i] != 'e'; {
		k, next, err := bdecode(data, i)
		if err != nil {
			return tf, err
		}
		v, end, err := bdecode(data, next)
		if err != nil {
			return tf, err
		}
		if key, _ := k.([]byte); string(key) == "info" {
			tf.InfoHash = sha1.Sum(data[next:end])
			info, _ = v.(map[string]any)
		}
		i = end
	}
	if info == nil {
		return tf, fmt.Errorf("%w: %s has no info dictionary", errBencode, path)
	}
	name, _ := info["name"].([]byte)
	tf.Name = string(name)
	tf.PieceLength, _ = info["piece length"].(int64)
	pieces, _ := info["pieces"].([]byte)
	if len(pieces)%20 != 0 || tf.PieceLength <= 0 {
		return tf, fmt.Errorf("%w: %s: bad pieces or piece length", errBencode, path)
	}
	for i := 0; i < len(pieces); i += 20 {
		tf.Pieces = append(tf.Pieces, [20]byte(pieces[i:i+20]))
	}
	if n, ok := info["length"].(int64); ok {
		tf.Length = n
	}
	if files, ok := info["files"].([]any); ok {
		for _, f := range files {
			fd, _ := f.(map[string]any)
			n, _ := fd["length"].(int64)
			tf.Length += n
		}
	}
	return tf, nil
}
