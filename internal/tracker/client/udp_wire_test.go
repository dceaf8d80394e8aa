package client

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"shoal/internal/bt"
)

// udpReply builds a reply header followed by body.
func udpReply(action, tid uint32, body ...[]byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, action)
	b = binary.BigEndian.AppendUint32(b, tid)
	for _, x := range body {
		b = append(b, x...)
	}
	return b
}

func u32s(v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.BigEndian.AppendUint32(b, x)
	}
	return b
}

// compact encodes peers as 6- or 18-byte entries.
func compact(v6 bool, peers ...string) []byte {
	var b []byte
	for _, p := range peers {
		ap := netip.MustParseAddrPort(p)
		if v6 {
			a := ap.Addr().As16()
			b = append(b, a[:]...)
		} else {
			a := ap.Addr().As4()
			b = append(b, a[:]...)
		}
		b = binary.BigEndian.AppendUint16(b, ap.Port())
	}
	return b
}

func addrPorts(s ...string) []netip.AddrPort {
	var out []netip.AddrPort
	for _, x := range s {
		out = append(out, netip.MustParseAddrPort(x))
	}
	return out
}

func TestParseUDPConnect(t *testing.T) {
	valid := udpReply(actionConnect, 7, binary.BigEndian.AppendUint64(nil, 0x1122334455667788))
	tests := []struct {
		name    string
		pkt     []byte
		want    uint64
		wantErr bool
	}{
		{"valid", valid, 0x1122334455667788, false},
		{"longer", append(slices.Clone(valid), 0), 0x1122334455667788, false},
		{"wrong action", udpReply(actionAnnounce, 7, make([]byte, 8)), 0, true},
		{"error action", udpReply(actionError, 7, make([]byte, 8)), 0, true},
		{"empty", nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUDPConnect(tt.pkt)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseUDPConnect = %#x, %v; want %#x, err %v", got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
		})
	}
	for n := range len(valid) {
		if _, err := ParseUDPConnect(valid[:n]); err == nil {
			t.Errorf("prefix of %d bytes parsed", n)
		}
	}
}

func TestParseUDPAnnounce(t *testing.T) {
	tests := []struct {
		name    string
		pkt     []byte
		v6      bool
		want    Response
		wantErr bool
	}{
		{
			name: "v4 peers",
			pkt:  udpReply(actionAnnounce, 1, u32s(1800, 5, 9), compact(false, "10.0.0.1:6881", "10.0.0.2:51413")),
			want: Response{Interval: 1800 * time.Second, Incomplete: 5, Complete: 9,
				Peers: addrPorts("10.0.0.1:6881", "10.0.0.2:51413")},
		},
		{
			name: "v6 peers",
			pkt:  udpReply(actionAnnounce, 1, u32s(60, 0, 1), compact(true, "[2001:db8::1]:6881", "[::ffff:10.0.0.3]:1")),
			v6:   true,
			want: Response{Interval: time.Minute, Complete: 1, Peers: addrPorts("[2001:db8::1]:6881", "10.0.0.3:1")},
		},
		{
			name: "duplicates and invalid dropped",
			pkt: udpReply(actionAnnounce, 1, u32s(0, 0, 0),
				compact(false, "10.0.0.1:6881", "10.0.0.1:6881", "0.0.0.0:6881", "10.0.0.2:0", "10.0.0.2:1")),
			want: Response{Interval: defaultInterval, Peers: addrPorts("10.0.0.1:6881", "10.0.0.2:1")},
		},
		{
			name: "negative counts and interval",
			pkt:  udpReply(actionAnnounce, 1, u32s(0xffffffff, 0xffffffff, 0x80000000)),
			want: Response{Interval: defaultInterval},
		},
		{
			name: "no peers",
			pkt:  udpReply(actionAnnounce, 1, u32s(100, 1, 2)),
			want: Response{Interval: 100 * time.Second, Incomplete: 1, Complete: 2},
		},
		{name: "partial v4 entry", pkt: udpReply(actionAnnounce, 1, u32s(1, 1, 1), make([]byte, 7)), wantErr: true},
		{name: "v4 entries read as v6", pkt: udpReply(actionAnnounce, 1, u32s(1, 1, 1), make([]byte, 12)), v6: true, wantErr: true},
		{name: "short", pkt: udpReply(actionAnnounce, 1, u32s(1, 1)), wantErr: true},
		{name: "wrong action", pkt: udpReply(actionScrape, 1, u32s(1, 1, 1)), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUDPAnnounce(tt.pkt, tt.v6)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !equalResponse(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseUDPAnnouncePrefixes(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		pkt := udpReply(actionAnnounce, 1, u32s(1800, 1, 2), compact(v6, "[::ffff:10.0.0.1]:1", "[::ffff:10.0.0.2]:2"))
		size := 6
		if v6 {
			size = 18
		}
		for n := range len(pkt) {
			resp, err := ParseUDPAnnounce(pkt[:n], v6)
			boundary := n >= udpAnnounceHdrLen && (n-udpAnnounceHdrLen)%size == 0
			if boundary {
				// A prefix ending on an entry boundary is itself a
				// valid reply with fewer peers.
				if err != nil || len(resp.Peers) != (n-udpAnnounceHdrLen)/size {
					t.Errorf("v6=%v prefix %d: %v, %d peers", v6, n, err, len(resp.Peers))
				}
			} else if err == nil {
				t.Errorf("v6=%v prefix %d parsed", v6, n)
			}
		}
	}
}

func TestParseUDPScrape(t *testing.T) {
	tests := []struct {
		name    string
		pkt     []byte
		want    []ScrapeResult
		wantErr bool
	}{
		{"two", udpReply(actionScrape, 3, u32s(1, 2, 3, 4, 5, 6)),
			[]ScrapeResult{{Complete: 1, Downloaded: 2, Incomplete: 3}, {Complete: 4, Downloaded: 5, Incomplete: 6}}, false},
		{"none", udpReply(actionScrape, 3), []ScrapeResult{}, false},
		{"partial entry", udpReply(actionScrape, 3, u32s(1, 2)), nil, true},
		{"too many", udpReply(actionScrape, 3, make([]byte, 12*(maxScrapeHashes+1))), nil, true},
		{"wrong action", udpReply(actionConnect, 3, u32s(1, 2, 3)), nil, true},
		{"short", []byte{0, 0, 0, 2}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUDPScrape(tt.pkt)
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Errorf("got %v, %v; want %v, err %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseUDPError(t *testing.T) {
	fe, err := ParseUDPError(udpReply(actionError, 9, []byte("torrent not registered\x1b[31m")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "torrent not registered\uFFFD[31m"; fe.Reason != want {
		t.Errorf("reason %q, want %q", fe.Reason, want)
	}
	if got := fe.Error(); got != "tracker: failure reason: "+fe.Reason {
		t.Errorf("Error() = %q", got)
	}
	for _, pkt := range [][]byte{nil, {0, 0, 0, 3}, udpReply(actionAnnounce, 9, []byte("x"))} {
		if _, err := ParseUDPError(pkt); err == nil {
			t.Errorf("ParseUDPError(%x) succeeded", pkt)
		}
	}
}

func TestAppendUDPAnnounce(t *testing.T) {
	req := Request{
		InfoHash:   bt.InfoHash{1, 2, 3},
		PeerID:     bt.PeerID{'-', 'S', 'H'},
		Port:       6881,
		Uploaded:   11,
		Downloaded: 22,
		Left:       33,
		Event:      Started,
		Key:        0xdeadbeef,
		IP:         netip.MustParseAddr("192.0.2.7"),
	}
	long := "/" + string(bytes.Repeat([]byte("a"), 300))
	b := appendUDPAnnounce(nil, 0x0102030405060708, 0x99, req, long)
	if len(b) != udpAnnounceLen+2+255+2+(len(long)-255) {
		t.Fatalf("length %d", len(b))
	}
	be := binary.BigEndian
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"connection id", be.Uint64(b), 0x0102030405060708},
		{"action", uint64(be.Uint32(b[8:])), 1},
		{"transaction id", uint64(be.Uint32(b[12:])), 0x99},
		{"downloaded", be.Uint64(b[56:]), 22},
		{"left", be.Uint64(b[64:]), 33},
		{"uploaded", be.Uint64(b[72:]), 11},
		{"event", uint64(be.Uint32(b[80:])), 2},
		{"ip", uint64(be.Uint32(b[84:])), 0xc0000207},
		{"key", uint64(be.Uint32(b[88:])), 0xdeadbeef},
		{"num want", uint64(be.Uint32(b[92:])), 0xffffffff},
		{"port", uint64(be.Uint16(b[96:])), 6881},
		{"option 1", uint64(b[98])<<8 | uint64(b[99]), 0x02ff},
		{"option 2", uint64(b[98+2+255])<<8 | uint64(b[98+2+255+1]), 0x02<<8 | uint64(len(long)-255)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if !bytes.Equal(b[16:36], req.InfoHash[:]) || !bytes.Equal(b[36:56], req.PeerID[:]) {
		t.Error("info hash or peer id misplaced")
	}
	data := append(slices.Clone(b[100:100+255]), b[100+255+2:]...)
	if string(data) != long {
		t.Error("URL data does not round-trip")
	}

	stopped := appendUDPAnnounce(nil, 0, 0, Request{Event: Stopped, NumWant: 50}, "")
	if len(stopped) != udpAnnounceLen || be.Uint32(stopped[80:]) != 3 || be.Uint32(stopped[92:]) != 0 {
		t.Errorf("stopped announce: len %d event %d numwant %d", len(stopped), be.Uint32(stopped[80:]), be.Uint32(stopped[92:]))
	}
}

// equalResponse compares responses field by field, nil and empty peer
// lists being equal.
func equalResponse(a, b Response) bool {
	return a.Interval == b.Interval && a.MinInterval == b.MinInterval &&
		a.TrackerID == b.TrackerID && a.Complete == b.Complete &&
		a.Incomplete == b.Incomplete && a.Warning == b.Warning &&
		a.ExternalIP == b.ExternalIP && slices.Equal(a.Peers, b.Peers) &&
		slices.Equal(a.Rendezvous, b.Rendezvous)
}
