package wire

import "testing"

func BenchmarkReaderPiece(b *testing.B) {
	const blockLen = 16 << 10
	data := pieceStream(16, blockLen)
	r := NewReader(&loopReader{data: data}, 0)
	b.SetBytes(int64(len(data) / 16))
	b.ReportAllocs()
	for b.Loop() {
		m, err := r.Next()
		if err != nil || len(m.Payload) != blockLen {
			b.Fatal(m, err)
		}
	}
}

func BenchmarkAppendRequest(b *testing.B) {
	buf := make([]byte, 0, 17)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRequest(buf[:0], 7, 16<<10, 16<<10)
	}
}

func BenchmarkAppendPieceHeader(b *testing.B) {
	buf := make([]byte, 0, PieceHeaderLen)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendPieceHeader(buf[:0], 1, 16<<10, 16<<10)
	}
}
