package cli

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/engine"
	"shoal/internal/metainfo"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/tui"
)

func TestEventKind(t *testing.T) {
	cases := []struct {
		msg  string
		sent bool
		kind string
	}{
		{"piece 3 16384 [16384 bytes]", false, "piece recv"},
		{"piece 3 0 [16384 bytes]", true, "piece sent"},
		{"request 1 0 16384", true, "request sent"},
		{"have 7", false, "have recv"},
		{"have all", false, "have all recv"},
		{"bitfield [2 bytes]", true, "bitfield sent"},
		{"not interested", false, "not interested recv"},
		{"choke", true, "choke sent"},
		{"unchoke", false, "unchoke recv"},
	}
	for _, c := range cases {
		kind, _ := eventKind(engine.Event{Time: time.Now(), Peer: netip.MustParseAddrPort("127.0.0.1:1"), Sent: c.sent, Msg: c.msg})
		if kind != c.kind {
			t.Errorf("%q sent=%v: kind %q, want %q", c.msg, c.sent, kind, c.kind)
		}
	}
}

func TestFileDone(t *testing.T) {
	info := &metainfo.Info{PieceLength: 10}
	have := bitfield.New(4) // 40 bytes: files [0,15) [15,15) [15,38)
	have.Set(1)
	have.Set(3)
	files := []metainfo.File{{Length: 15, Offset: 0}, {Length: 0, Offset: 15}, {Length: 23, Offset: 15}}
	want := []int64{5, 0, 5 + 8}
	for i, f := range files {
		if got := fileDone(info, f, have); got != want[i] {
			t.Errorf("file %d: %d verified bytes, want %d", i, got, want[i])
		}
	}
}

func TestPeerView(t *testing.T) {
	id := proto.ID{0x3f, 0x9a, 0x1c, 0x07, 19: 0xff}
	tests := []struct {
		name     string
		rdv      proto.ID
		link     string
		wantRdv  string
		wantLink string
	}{
		{name: "plain tcp"},
		{name: "relayed", rdv: id, link: "relayed", wantRdv: "3f9a1c07000000000000000000000000000000ff", wantLink: "relayed"},
		{name: "direct", rdv: id, link: "direct", wantRdv: id.String(), wantLink: "direct"},
		{name: "simultaneous open", rdv: id, link: "simultaneous-open", wantRdv: id.String(), wantLink: "simultaneous-open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p engine.PeerStats
			p.Addr = netip.MustParseAddrPort("10.0.0.2:6881")
			p.Rendezvous, p.Link = tt.rdv, tt.link
			p.Client = "-SH0100-"
			p.Have = 8
			p.DownRate, p.UpRate = 1000, 200
			p.PeerChoking, p.AmInterested = true, true
			p.DownPiece, p.DownPieceDone = 3, 0.5
			p.UpPiece = -1
			got := peerView(p, 8)
			want := tui.Peer{
				Addr: "10.0.0.2:6881", ID: "-SH0100-", Seed: true, DownRate: 1000, UpRate: 200,
				ChokesUs: true, Interested: true, DownPiece: 3, DownPiecePct: 50, UpPiece: -1,
				Rendezvous: tt.wantRdv, Link: tt.wantLink,
			}
			if got != want {
				t.Errorf("peerView:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestPeerViewShown checks that a relayed rendezvous peer reaches the
// plain rendering as such.
func TestPeerViewShown(t *testing.T) {
	var p engine.PeerStats
	p.Addr = netip.MustParseAddrPort("203.0.113.9:7000")
	p.Rendezvous = proto.ID{0xab, 0xcd, 0xef, 0x01}
	p.Link = "relayed"
	p.DownPiece, p.UpPiece = -1, -1
	lines := tui.Plain(tui.Snapshot{Torrents: []tui.Torrent{{Name: "x", Peers: []tui.Peer{peerView(p, 4)}}}})
	if want := "rdv 1 (1 relayed)"; len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Errorf("Plain = %q, want it to hold %q", lines, want)
	}
}

// TestEventPeer names a peer that came through the routers by its
// rendezvous ID, not by its socket's address (a router's when relayed).
func TestEventPeer(t *testing.T) {
	addr := netip.MustParseAddrPort("198.51.100.7:7000")
	plain := engine.Event{Peer: addr}
	rdv := engine.Event{Peer: addr, Rendezvous: proto.ID{0xb0, 0x7c, 0x0f, 0xfe, 1}}
	for _, tc := range []struct {
		e     engine.Event
		short bool
		want  string
	}{
		{plain, true, "198.51.100.7:7000"},
		{plain, false, "198.51.100.7:7000"},
		{rdv, true, "rdv:b07c0ffe"},
		{rdv, false, "rdv:b07c0ffe01000000000000000000000000000000"},
	} {
		if got := eventPeer(tc.e, tc.short); got != tc.want {
			t.Errorf("eventPeer(short=%v) = %q, want %q", tc.short, got, tc.want)
		}
	}
}
