package tui

import (
	"math"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// FuzzView renders snapshots built from arbitrary values at arbitrary sizes
// and checks that nothing panics, the screen fits the terminal and no escape
// sequence leaks through from the snapshot.
func FuzzView(f *testing.F) {
	f.Add("debian.iso", "10.0.0.2:6881", "-TR4050-", 1.5e6, int64(100), int64(50), 7, 50.0, uint8(80), uint8(24), uint8(0))
	f.Add("", "", "", math.NaN(), int64(0), int64(-1), -1, math.Inf(1), uint8(1), uint8(1), uint8(0xff))
	f.Add("\x1b[2J日本語\u202e", "[::1]:1", "\x00", -1.0, int64(-5), int64(1<<62), 1<<30, -5.0, uint8(3), uint8(200), uint8(0x55))
	f.Add("x", "y", "z", 1e300, int64(1<<62), int64(1<<62), 0, 100.0, uint8(255), uint8(2), uint8(0xaa))
	f.Fuzz(func(t *testing.T, name, addr, id string, rate float64, size, done int64, piece int, pct float64, w, h, flags uint8) {
		bit := func(i int) bool { return flags&(1<<i) != 0 }
		p := Peer{
			Addr: addr, ID: id, Seed: bit(0), DownRate: rate, UpRate: -rate,
			ChokesUs: bit(1), WeChoke: bit(2), Interested: bit(3), PeerInterested: bit(4),
			DownPiece: piece, DownPiecePct: pct, UpPiece: -piece, UpPiecePct: -pct,
		}
		if bit(7) {
			p.Rendezvous, p.Link = id, name
		}
		tor := Torrent{
			InfoHash: name, Name: name, Size: size, Done: done, DownRate: rate, UpRate: rate,
			Uploaded: done, Pieces: piece, NumPieces: piece, Seeding: bit(5), Paused: bit(6),
			Err: id, Tracker: addr,
			Files: []File{{Path: name, Size: size, Done: done}, {Path: addr, Size: done, Done: size}},
			Peers: []Peer{p, p, {Addr: id, DownPiece: -1, UpPiece: -1}},
		}
		s := Snapshot{
			PeerID: id, Listen: addr, Trackers: []string{name}, MaxDown: size, MaxUp: done,
			DownRate: rate, UpRate: rate, Torrents: []Torrent{tor, tor},
			Events: []Event{{Torrent: name, Peer: addr, Kind: id, Detail: name}},
		}
		m, _, _ := newTest(s, int(w), int(h))
		for _, k := range []string{"", "e", "s", "j", "d"} {
			if k != "" {
				m = update(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
			}
			screen := m.View()
			if w == 0 || h == 0 {
				if screen != "" {
					t.Fatalf("screen for %dx%d: %q", w, h, screen)
				}
				continue
			}
			checkFits(t, screen, int(w), int(h))
			if strings.Contains(screen, "\x1b") {
				t.Fatalf("escape sequence on screen: %q", screen)
			}
		}
		for _, l := range Plain(s) {
			if strings.ContainsAny(l, "\x1b\n\r") {
				t.Fatalf("control character in plain line %q", l)
			}
		}
	})
}
