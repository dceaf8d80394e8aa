package wire

import (
	"fmt"
	"strconv"

	"shoal/internal/bencode"
)

// BEP 9 metadata exchange (ut_metadata), carried in extended messages.
const (
	// ExtMetadata is the extension name in the handshake's "m" dictionary.
	ExtMetadata = "ut_metadata"
	// MetadataPieceLen is the size of every metadata piece but the last.
	MetadataPieceLen = 16 << 10
	// MaxMetadataSize bounds the metadata (the info dictionary) a peer may
	// announce or send.
	MaxMetadataSize = 16 << 20
)

// MetadataType is the msg_type of a metadata message.
type MetadataType int

// The metadata message types.
const (
	MetadataRequest MetadataType = 0
	MetadataData    MetadataType = 1
	MetadataReject  MetadataType = 2
)

// Metadata is one BEP 9 message. Data, for MetadataData, follows the
// dictionary on the wire; after ParseMetadata it aliases the payload.
type Metadata struct {
	Type      MetadataType
	Piece     int
	TotalSize int
	Data      []byte
}

type metadataDict struct {
	Type      int `bencode:"msg_type"`
	Piece     int `bencode:"piece"`
	TotalSize int `bencode:"total_size"`
}

// AppendMetadata appends the payload of a metadata message (the
// dictionary, then the data of a MetadataData message).
func AppendMetadata(b []byte, m Metadata) []byte {
	b = append(b, "d8:msg_typei"...)
	b = strconv.AppendInt(b, int64(m.Type), 10)
	b = append(b, "e5:piecei"...)
	b = strconv.AppendInt(b, int64(m.Piece), 10)
	if m.Type != MetadataData {
		return append(b, "ee"...)
	}
	b = append(b, "e10:total_sizei"...)
	b = strconv.AppendInt(b, int64(m.TotalSize), 10)
	b = append(b, "ee"...)
	return append(b, m.Data...)
}

// ParseMetadata parses the payload of a metadata message and checks it
// against the limits of BEP 9.
func ParseMetadata(payload []byte) (Metadata, error) {
	var d metadataDict
	n, err := bencode.UnmarshalPrefix(payload, &d)
	if err != nil {
		return Metadata{}, fmt.Errorf("wire: metadata message: %w: %w", ErrProtocol, err)
	}
	m := Metadata{Type: MetadataType(d.Type), Piece: d.Piece, TotalSize: d.TotalSize}
	maxPieces := MaxMetadataSize / MetadataPieceLen
	if m.Piece < 0 || m.Piece >= maxPieces {
		return Metadata{}, fmt.Errorf("wire: metadata piece %d out of range: %w", m.Piece, ErrProtocol)
	}
	switch m.Type {
	case MetadataRequest, MetadataReject:
		if n != len(payload) {
			return Metadata{}, fmt.Errorf("wire: %d bytes after a metadata %d message: %w", len(payload)-n, m.Type, ErrProtocol)
		}
	case MetadataData:
		m.Data = payload[n:]
		if m.TotalSize <= 0 || m.TotalSize > MaxMetadataSize || len(m.Data) > MetadataPieceLen {
			return Metadata{}, fmt.Errorf("wire: metadata data of %d bytes, total size %d: %w", len(m.Data), m.TotalSize, ErrProtocol)
		}
	default:
		// Unknown types are ignored by the receiver, not fatal (BEP 9).
	}
	return m, nil
}

// MetadataPieceSize is the length of metadata piece i of metadata of
// total bytes, or 0 if there is no such piece.
func MetadataPieceSize(total, i int) int {
	if i < 0 || total <= 0 || i*MetadataPieceLen >= total {
		return 0
	}
	return min(MetadataPieceLen, total-i*MetadataPieceLen)
}
