package wire_test

import (
	"bytes"
	"fmt"
	"io"

	"shoal/internal/wire"
)

func Example() {
	// Encode a few messages onto one buffer, as a writer would before
	// one write to the connection.
	var out []byte
	out = wire.AppendInterested(out)
	out = wire.AppendRequest(out, 3, 0, 16384)
	out = wire.AppendPieceHeader(out, 3, 0, 5)
	out = append(out, "hello"...)
	out = wire.AppendKeepalive(out)

	bounds := wire.Bounds{NumPieces: 4, PieceLength: 32768, TotalLength: 120000}
	r := wire.NewReader(bytes.NewReader(out), wire.DefaultMaxLen)
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		if err := bounds.Check(m); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(m)
	}
	// Output:
	// interested
	// request 3 0 16384
	// piece 3 0 [5 bytes]
	// keepalive
}

func ExampleReadHandshakeHead() {
	var h wire.Handshake
	h.Reserved.SetFast()
	h.Reserved.SetExtended()
	h.InfoHash[0] = 0xab
	conn := bytes.NewReader(h.AppendTo(nil))

	// An accepting side reads up to the info hash, finds the torrent,
	// answers with its own handshake, then reads the peer id.
	res, ih, err := wire.ReadHandshakeHead(conn)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Fast(), res.Extended(), res.DHT(), ih.String()[:4])
	if _, err := wire.ReadPeerID(conn); err != nil {
		fmt.Println(err)
	}
	// Output: true true false ab00
}

func ExampleExtHandshake() {
	payload, err := wire.ExtHandshake{M: map[string]int{"ut_metadata": 1}, V: "shoal"}.Marshal()
	if err != nil {
		fmt.Println(err)
		return
	}
	msg := wire.AppendExtended(nil, wire.ExtHandshakeID, payload)

	m, _, err := wire.ParseMessage(msg, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := wire.ParseExtHandshake(m.Payload)
	if err != nil {
		fmt.Println(err)
		return
	}
	id, ok := h.ExtID("ut_metadata")
	fmt.Printf("%s %q %d %v\n", m.ID, payload, id, ok)
	// Output: extended "d1:md11:ut_metadatai1ee1:v5:shoale" 1 true
}
