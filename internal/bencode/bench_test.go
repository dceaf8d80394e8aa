package bencode

import (
	"crypto/sha1"
	"encoding/binary"
	"testing"
)

type benchFile struct {
	Length int64    `bencode:"length"`
	Path   []string `bencode:"path"`
}

type benchInfo struct {
	Name        string      `bencode:"name"`
	PieceLength int64       `bencode:"piece length"`
	Pieces      []byte      `bencode:"pieces"`
	Length      int64       `bencode:"length,omitempty"`
	Files       []benchFile `bencode:"files,omitempty"`
}

type benchTorrent struct {
	Announce     string     `bencode:"announce"`
	AnnounceList [][]string `bencode:"announce-list,omitempty"`
	Comment      string     `bencode:"comment,omitempty"`
	CreationDate int64      `bencode:"creation date,omitempty"`
	Info         RawMessage `bencode:"info"`
}

// bigTorrent builds a single-file torrent with n pieces (20 bytes each).
func bigTorrent(n int) []byte {
	pieces := make([]byte, 0, 20*n)
	var seed [8]byte
	for i := range n {
		binary.LittleEndian.PutUint64(seed[:], uint64(i))
		h := sha1.Sum(seed[:])
		pieces = append(pieces, h[:]...)
	}
	info, err := Marshal(benchInfo{Name: "big.bin", PieceLength: 1 << 18, Pieces: pieces, Length: int64(n) << 18})
	if err != nil {
		panic(err)
	}
	out, err := Marshal(benchTorrent{
		Announce:     "http://127.0.0.1:6969/announce",
		AnnounceList: [][]string{{"http://127.0.0.1:6969/announce"}, {"udp://127.0.0.1:6969"}},
		Comment:      "benchmark",
		CreationDate: 1700000000,
		Info:         info,
	})
	if err != nil {
		panic(err)
	}
	return out
}

func BenchmarkUnmarshalTorrent(b *testing.B) {
	data := bigTorrent(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var mi benchTorrent
		if err := Unmarshal(data, &mi); err != nil {
			b.Fatal(err)
		}
		var info benchInfo
		if err := Unmarshal(mi.Info, &info); err != nil {
			b.Fatal(err)
		}
	}
}

func manyFiles(n int) benchInfo {
	info := benchInfo{Name: "dir", PieceLength: 1 << 14}
	for i := range n {
		info.Files = append(info.Files, benchFile{Length: int64(i), Path: []string{"sub", string(rune('a' + i%26))}})
	}
	info.Pieces = make([]byte, 20)
	return info
}

func BenchmarkUnmarshalFiles(b *testing.B) {
	data, err := Marshal(manyFiles(10_000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var info benchInfo
		if err := Unmarshal(data, &info); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGeneric(b *testing.B) {
	data, err := Marshal(manyFiles(10_000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalTorrent(b *testing.B) {
	data := bigTorrent(100_000)
	var mi benchTorrent
	if err := Unmarshal(data, &mi); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(&mi); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalFiles(b *testing.B) {
	info := manyFiles(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(&info); err != nil {
			b.Fatal(err)
		}
	}
}
