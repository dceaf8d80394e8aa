package cli

import (
	"net/netip"
	"testing"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/engine"
	"shoal/internal/metainfo"
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
