package wire

import (
	"fmt"
	"io"

	"shoal/internal/bt"
)

// Protocol is the protocol string sent at the start of every handshake.
const Protocol = "BitTorrent protocol"

// HandshakeLen is the wire length of a handshake: the protocol string
// with its length byte, 8 reserved bytes, the info hash and the peer id.
const HandshakeLen = 1 + len(Protocol) + 8 + 20 + 20

// HandshakeHeadLen is the length of the part of a handshake before the
// peer id, read by [ReadHandshakeHead].
const HandshakeHeadLen = HandshakeLen - 20

// Reserved holds the eight reserved handshake bytes, which announce
// protocol extensions.
type Reserved [8]byte

// NewReserved returns reserved bytes announcing the given extensions.
func NewReserved(fast, extended, dht bool) Reserved {
	var r Reserved
	if fast {
		r.SetFast()
	}
	if extended {
		r.SetExtended()
	}
	if dht {
		r.SetDHT()
	}
	return r
}

// Fast reports support for the fast extension (BEP 6).
func (r Reserved) Fast() bool { return r[7]&0x04 != 0 }

// Extended reports support for the extension protocol (BEP 10).
func (r Reserved) Extended() bool { return r[5]&0x10 != 0 }

// DHT reports support for the DHT and its port message (BEP 5).
func (r Reserved) DHT() bool { return r[7]&0x01 != 0 }

// SetFast announces the fast extension.
func (r *Reserved) SetFast() { r[7] |= 0x04 }

// SetExtended announces the extension protocol.
func (r *Reserved) SetExtended() { r[5] |= 0x10 }

// SetDHT announces the DHT.
func (r *Reserved) SetDHT() { r[7] |= 0x01 }

// Handshake is the first message each side of a connection sends.
type Handshake struct {
	Reserved Reserved
	InfoHash bt.InfoHash
	PeerID   bt.PeerID
}

// AppendTo appends the encoded handshake (HandshakeLen bytes) to b.
func (h Handshake) AppendTo(b []byte) []byte {
	b = append(b, byte(len(Protocol)))
	b = append(b, Protocol...)
	b = append(b, h.Reserved[:]...)
	b = append(b, h.InfoHash[:]...)
	return append(b, h.PeerID[:]...)
}

// ParseHandshake decodes a handshake from the first HandshakeLen bytes of b.
func ParseHandshake(b []byte) (Handshake, error) {
	var h Handshake
	if len(b) < HandshakeLen {
		return h, fmt.Errorf("wire: handshake: %w", io.ErrUnexpectedEOF)
	}
	res, ih, err := parseHandshakeHead(b)
	if err != nil {
		return h, err
	}
	h.Reserved, h.InfoHash = res, ih
	copy(h.PeerID[:], b[HandshakeHeadLen:HandshakeLen])
	return h, nil
}

func parseHandshakeHead(b []byte) (Reserved, bt.InfoHash, error) {
	var (
		res Reserved
		ih  bt.InfoHash
	)
	if b[0] != byte(len(Protocol)) || string(b[1:1+len(Protocol)]) != Protocol {
		return res, ih, ErrBadHandshake
	}
	n := 1 + len(Protocol)
	n += copy(res[:], b[n:])
	copy(ih[:], b[n:])
	return res, ih, nil
}

// ReadHandshakeHead reads the first HandshakeHeadLen bytes of a
// handshake: the protocol string, the reserved bytes and the info hash.
// An accepting side calls it to find the torrent before it answers, then
// reads the rest with [ReadPeerID].
func ReadHandshakeHead(r io.Reader) (Reserved, bt.InfoHash, error) {
	var buf [HandshakeHeadLen]byte
	// Check the protocol string before reading on, so that a peer
	// speaking something else is refused without waiting for more.
	n := 1 + len(Protocol)
	if _, err := io.ReadFull(r, buf[:n]); err != nil {
		return Reserved{}, bt.InfoHash{}, fmt.Errorf("wire: handshake: %w", err)
	}
	if buf[0] != byte(len(Protocol)) || string(buf[1:n]) != Protocol {
		return Reserved{}, bt.InfoHash{}, ErrBadHandshake
	}
	if _, err := io.ReadFull(r, buf[n:]); err != nil {
		return Reserved{}, bt.InfoHash{}, fmt.Errorf("wire: handshake: %w", noEOF(err))
	}
	return parseHandshakeHead(buf[:])
}

// ReadPeerID reads the last 20 bytes of a handshake.
func ReadPeerID(r io.Reader) (bt.PeerID, error) {
	var id bt.PeerID
	if _, err := io.ReadFull(r, id[:]); err != nil {
		return id, fmt.Errorf("wire: handshake peer id: %w", noEOF(err))
	}
	return id, nil
}

// ReadHandshake reads a whole handshake.
func ReadHandshake(r io.Reader) (Handshake, error) {
	var buf [HandshakeLen]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return Handshake{}, fmt.Errorf("wire: handshake: %w", err)
	}
	return ParseHandshake(buf[:])
}
