package bt

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// BlockSize is the size of a request on the wire (BEP 3): 16 KiB.
const BlockSize = 16 * 1024

// InfoHash is the SHA-1 of a torrent's bencoded info dictionary.
type InfoHash [20]byte

// String returns the hash as 40 lower-case hex digits.
func (h InfoHash) String() string { return hex.EncodeToString(h[:]) }

// ParseInfoHash parses 40 hex digits.
func ParseInfoHash(s string) (InfoHash, error) {
	var h InfoHash
	if len(s) != 40 {
		return h, fmt.Errorf("bt: info hash %q: want 40 hex digits", s)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("bt: info hash %q: %w", s, err)
	}
	return h, nil
}

// PeerID identifies a peer in a handshake and to trackers.
type PeerID [20]byte

// String returns the id with non-printable bytes escaped.
func (p PeerID) String() string { return fmt.Sprintf("%q", p[:]) }

// Version is the client version encoded in peer ids and extension handshakes.
const Version = "0.1.0"

// PeerIDPrefix is the Azureus-style client prefix: -SH0100-.
const PeerIDPrefix = "-SH0100-"

// NewPeerID returns a fresh random peer id with shoal's prefix.
func NewPeerID() PeerID {
	var p PeerID
	copy(p[:], PeerIDPrefix)
	_, _ = rand.Read(p[len(PeerIDPrefix):])
	return p
}
