package loadgen

import (
	"encoding/binary"
	"errors"
	"testing"

	"shoal/internal/bt"
)

func udpPkt(action, tx uint32, rest ...byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, action)
	b = binary.BigEndian.AppendUint32(b, tx)
	return append(b, rest...)
}

func TestAppendUDPAnnounce(t *testing.T) {
	p, _ := NewPopulation(4, 100)
	pe := p.Peer(9)
	b := appendUDPAnnounce(nil, 0x1122334455667788, 7, p.InfoHash(pe.Torrent), &pe, udpEventStarted, 50)
	h := p.InfoHash(1)
	switch {
	case len(b) != udpAnnounceLen:
		t.Fatalf("%d bytes", len(b))
	case binary.BigEndian.Uint64(b) != 0x1122334455667788, binary.BigEndian.Uint32(b[8:]) != actionAnnounce,
		binary.BigEndian.Uint32(b[12:]) != 7:
		t.Errorf("header %x", b[:16])
	case string(b[16:36]) != string(h[:]), string(b[36:56]) != string(pe.ID[:]):
		t.Error("hash or peer id")
	case int64(binary.BigEndian.Uint64(b[64:])) != pe.Left, binary.BigEndian.Uint32(b[80:]) != udpEventStarted,
		binary.BigEndian.Uint32(b[92:]) != 50, binary.BigEndian.Uint16(b[96:]) != pe.Port:
		t.Errorf("fields %x", b[56:])
	}
	c := appendUDPConnect(nil, 9)
	if len(c) != 16 || binary.BigEndian.Uint64(c) != udpProtocolID || binary.BigEndian.Uint32(c[12:]) != 9 {
		t.Errorf("connect %x", c)
	}
	s := appendUDPScrape(nil, 1, 2, []bt.InfoHash{h, h})
	if len(s) != 16+40 || binary.BigEndian.Uint32(s[8:]) != actionScrape {
		t.Errorf("scrape %x", s)
	}
}

func TestParseUDPReplies(t *testing.T) {
	id, err := parseUDPConnect(udpPkt(actionConnect, 5, 1, 2, 3, 4, 5, 6, 7, 8), 5)
	if err != nil || id != 0x0102030405060708 {
		t.Errorf("connect: %x %v", id, err)
	}
	if _, err := parseUDPConnect(udpPkt(actionConnect, 6, 1, 2, 3, 4, 5, 6, 7, 8), 5); !errors.Is(err, errStray) {
		t.Errorf("stray connect: %v", err)
	}
	var te *TrackerError
	if _, err := parseUDPAnnounce(udpPkt(actionError, 5, 'n', 'o'), 5); !errors.As(err, &te) || te.Reason != "no" {
		t.Errorf("error packet: %v", err)
	}
	ann := udpPkt(actionAnnounce, 5, make([]byte, 12+18)...)
	if n, err := parseUDPAnnounce(ann, 5); err != nil || n != 3 {
		t.Errorf("announce: %d %v", n, err)
	}
	if _, err := parseUDPAnnounce(ann[:len(ann)-1], 5); !errors.Is(err, errUDPReply) {
		t.Errorf("partial peer: %v", err)
	}
	if _, err := parseUDPAnnounce(udpPkt(actionScrape, 5, make([]byte, 12)...), 5); !errors.Is(err, errUDPReply) {
		t.Errorf("wrong action: %v", err)
	}
	scr := udpPkt(actionScrape, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3)
	got, err := parseUDPScrape(scr, 5, 1, nil)
	if err != nil || len(got) != 1 || got[0] != (SwarmCounts{1, 2, 3}) {
		t.Errorf("scrape: %v %v", got, err)
	}
	if _, err := parseUDPScrape(scr, 5, 2, nil); err == nil {
		t.Error("scrape reply for too few torrents accepted")
	}
	for n := range len(ann) - 1 {
		if n >= 20 && (n-20)%6 == 0 {
			continue // a shorter peer list is a valid reply
		}
		if _, err := parseUDPAnnounce(ann[:n], 5); err == nil {
			t.Errorf("announce prefix of %d bytes accepted", n)
		}
	}
}

func FuzzParseUDPReply(f *testing.F) {
	f.Add(udpPkt(actionConnect, 5, 1, 2, 3, 4, 5, 6, 7, 8))
	f.Add(udpPkt(actionAnnounce, 5, make([]byte, 18)...))
	f.Add(udpPkt(actionScrape, 5, make([]byte, 24)...))
	f.Add(udpPkt(actionError, 5, 'x'))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		_, _ = parseUDPConnect(pkt, 5)
		if n, err := parseUDPAnnounce(pkt, 5); err == nil && 20+6*n != len(pkt) {
			t.Fatalf("%d peers in %d bytes", n, len(pkt))
		}
		if got, err := parseUDPScrape(pkt, 5, 2, nil); err == nil && len(got) != 2 {
			t.Fatalf("%d scrape entries", len(got))
		}
	})
}
