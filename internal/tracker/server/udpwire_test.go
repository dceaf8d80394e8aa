package server

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// Request encoders, as a client writes them.

func appendConnectRequest(dst []byte, txID uint32) []byte {
	dst = binary.BigEndian.AppendUint64(dst, udpProtocolID)
	return appendUDPHeader(dst, actionConnect, txID)
}

var udpEvents = map[registry.Event]uint32{
	registry.EventNone: udpEventNone, registry.EventCompleted: udpEventCompleted,
	registry.EventStarted: udpEventStarted, registry.EventStopped: udpEventStopped,
}

func appendAnnounceRequest(dst []byte, r udpRequest) []byte {
	dst = binary.BigEndian.AppendUint64(dst, r.connID)
	dst = appendUDPHeader(dst, actionAnnounce, r.txID)
	dst = append(dst, r.infoHash[:]...)
	dst = append(dst, r.peerID[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.downloaded))
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.left))
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.uploaded))
	dst = binary.BigEndian.AppendUint32(dst, udpEvents[r.event])
	dst = binary.BigEndian.AppendUint32(dst, r.ip)
	dst = binary.BigEndian.AppendUint32(dst, r.key)
	dst = binary.BigEndian.AppendUint32(dst, uint32(r.numWant))
	return binary.BigEndian.AppendUint16(dst, r.port)
}

func appendScrapeRequest(dst []byte, connID uint64, txID uint32, hashes ...bt.InfoHash) []byte {
	dst = binary.BigEndian.AppendUint64(dst, connID)
	dst = appendUDPHeader(dst, actionScrape, txID)
	for _, h := range hashes {
		dst = append(dst, h[:]...)
	}
	return dst
}

// encodeUDPRequest writes r back in wire form.
func encodeUDPRequest(r udpRequest) []byte {
	switch r.action {
	case actionConnect:
		return appendConnectRequest(nil, r.txID)
	case actionAnnounce:
		return appendAnnounceRequest(nil, r)
	default:
		b := binary.BigEndian.AppendUint64(nil, r.connID)
		b = appendUDPHeader(b, r.action, r.txID)
		return append(b, r.hashes...)
	}
}

func sampleAnnounce() udpRequest {
	return udpRequest{
		connID: 0x0102030405060708, action: actionAnnounce, txID: 77,
		infoHash: ih(5), peerID: peerID(5), downloaded: 1, left: 2, uploaded: 3,
		event: registry.EventStarted, ip: 0, key: 9, numWant: -1, port: 6881,
	}
}

func TestParseUDPRequest(t *testing.T) {
	valid := [][]byte{
		appendConnectRequest(nil, 1),
		appendAnnounceRequest(nil, sampleAnnounce()),
		appendScrapeRequest(nil, 5, 6, ih(1), ih(2)),
	}
	for _, pkt := range valid {
		r, err := parseUDPRequest(pkt)
		if err != nil {
			t.Fatalf("%x: %v", pkt, err)
		}
		if got := encodeUDPRequest(r); !bytes.Equal(got, pkt) {
			t.Errorf("round trip:\n got %x\nwant %x", got, pkt)
		}
		// Every truncated prefix fails cleanly.
		for i := range len(pkt) {
			if r.action == actionScrape && i >= udpHeaderLen+20 && (i-udpHeaderLen)%20 == 0 {
				continue // fewer hashes is a valid scrape
			}
			if _, err := parseUDPRequest(pkt[:i]); err == nil {
				t.Errorf("action %d: prefix of %d bytes accepted", r.action, i)
			}
		}
	}
	// BEP 41 options after an announce are ignored.
	pkt := append(appendAnnounceRequest(nil, sampleAnnounce()), 2, 5, '/', 'a', 'n', 'n', 'o')
	if r, err := parseUDPRequest(pkt); err != nil || !bytes.Equal(encodeUDPRequest(r), encodeUDPRequest(sampleAnnounce())) {
		t.Errorf("announce with options: %+v, %v", r, err)
	}

	bad := []struct {
		name string
		pkt  []byte
		want string
	}{
		{"bad magic", append(binary.BigEndian.AppendUint64(nil, 1), 0, 0, 0, 0, 0, 0, 0, 1), "bad protocol id"},
		{"bad action", appendUDPHeader(binary.BigEndian.AppendUint64(nil, 1), 9, 1), "bad action"},
		{"port 0", func() []byte { r := sampleAnnounce(); r.port = 0; return appendAnnounceRequest(nil, r) }(), "bad port"},
		{"bad event", func() []byte {
			b := appendAnnounceRequest(nil, sampleAnnounce())
			b[83] = 9
			return b
		}(), "bad event 9"},
		{"no hashes", appendScrapeRequest(nil, 1, 1), "no info hash"},
		{"partial hash", append(appendScrapeRequest(nil, 1, 1), 1, 2, 3), "partial info hash"},
		{"too many hashes", appendScrapeRequest(nil, 1, 1, make([]bt.InfoHash, MaxUDPScrapeHashes+1)...), "too many info hashes"},
	}
	for _, tt := range bad {
		if _, err := parseUDPRequest(tt.pkt); err == nil || err.Error() != tt.want {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestUDPErrorFitsLimit(t *testing.T) {
	for limit := range 40 {
		b := appendUDPError(nil, 1, "a long message that will not fit", limit)
		if len(b) > limit {
			t.Errorf("limit %d: reply of %d bytes", limit, len(b))
		}
	}
}

func FuzzUDPPacket(f *testing.F) {
	f.Add(appendConnectRequest(nil, 1))
	f.Add(appendAnnounceRequest(nil, sampleAnnounce()))
	f.Add(appendScrapeRequest(nil, 5, 6, ih(1), ih(2)))
	f.Add(append(appendAnnounceRequest(nil, sampleAnnounce()), 1, 0, 2))
	f.Add([]byte{0, 0, 4, 23, 39, 16, 25, 128, 0, 0, 0, 3, 0, 0, 0, 1})
	s, err := New(Config{Now: func() time.Time { return t0 }, Secret: []byte("fuzz")})
	if err != nil {
		f.Fatal(err)
	}
	w := &udpWorker{s: s}
	from := netip.MustParseAddrPort("192.0.2.1:4000")
	f.Fuzz(func(t *testing.T, pkt []byte) {
		r, err := parseUDPRequest(pkt)
		if err == nil {
			enc := encodeUDPRequest(r)
			if !bytes.HasPrefix(pkt, enc) {
				t.Fatalf("round trip:\n got %x\nwant prefix of %x", enc, pkt)
			}
		}
		// The fuzzer cannot know a valid connection id, so every reply goes
		// to an unverified source and must not be larger than the request.
		if reply := w.handle(t0, from, pkt); len(reply) > len(pkt) {
			t.Fatalf("reply of %d bytes to a %d-byte request", len(reply), len(pkt))
		}
	})
}
