package wire

import "encoding/binary"

// pieceHeaderBodyLen is the body length of a piece message without its block.
const pieceHeaderBodyLen = 1 + 4 + 4

// PieceHeaderLen is the wire length of a piece message without its
// block: the bytes AppendPieceHeader adds.
const PieceHeaderLen = lenPrefixLen + pieceHeaderBodyLen

// AppendPieceHeader appends the start of a piece message whose block of
// blockLen bytes the caller writes next, so that the block need not be
// copied into b.
func AppendPieceHeader(b []byte, index, begin, blockLen uint32) []byte {
	b = appendHeader(b, pieceHeaderBodyLen+int(blockLen), Piece)
	b = binary.BigEndian.AppendUint32(b, index)
	return binary.BigEndian.AppendUint32(b, begin)
}

// AppendPiece appends a piece message carrying block to b.
func AppendPiece(b []byte, index, begin uint32, block []byte) []byte {
	b = AppendPieceHeader(b, index, begin, uint32(len(block)))
	return append(b, block...)
}

func parsePiece(m *Message, body []byte) bool {
	if len(body) < pieceHeaderBodyLen {
		return false
	}
	m.Index = binary.BigEndian.Uint32(body[1:])
	m.Begin = binary.BigEndian.Uint32(body[5:])
	m.Payload = body[pieceHeaderBodyLen:]
	return true
}
