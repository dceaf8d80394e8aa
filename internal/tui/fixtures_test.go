package tui

import (
	"io"
	"math"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// fakeSource returns a fixed snapshot and counts the calls.
type fakeSource struct {
	snap  Snapshot
	calls int
}

func (f *fakeSource) Snapshot() Snapshot {
	f.calls++
	return f.snap
}

// fakeController records the commands it receives.
type fakeController struct {
	limits  [][2]int64
	paused  []string
	resumed []string
}

func (f *fakeController) SetLimits(down, up int64) { f.limits = append(f.limits, [2]int64{down, up}) }
func (f *fakeController) Pause(h string)           { f.paused = append(f.paused, h) }
func (f *fakeController) Resume(h string)          { f.resumed = append(f.resumed, h) }

var testNow = time.Date(2025, 3, 1, 12, 0, 5, 0, time.UTC)

func asciiRenderer() *lipgloss.Renderer {
	return lipgloss.NewRenderer(io.Discard, termenv.WithProfile(termenv.Ascii))
}

// newTest returns a model of the given size showing s.
func newTest(s Snapshot, w, h int) (Model, *fakeSource, *fakeController) {
	src := &fakeSource{snap: s}
	ctl := &fakeController{}
	m := New(src, ctl, Options{Now: func() time.Time { return testNow }, Renderer: asciiRenderer()})
	m = update(m, tea.WindowSizeMsg{Width: w, Height: h})
	m = update(m, snapMsg{snap: s, now: testNow})
	return m, src, ctl
}

// update applies one message and drops the command.
func update(m Model, msg tea.Msg) Model {
	next, _ := m.Update(msg)
	return next.(Model)
}

const mib = 1 << 20

// busySnapshot is a session with three torrents: one downloading a
// multi-file torrent from several peers, one seeding, one paused.
func busySnapshot() Snapshot {
	at := func(sec int) time.Time { return testNow.Add(time.Duration(sec-5) * time.Second) }
	return Snapshot{
		PeerID:   "-SH0100-4f2a9c1b7d3e",
		Listen:   "0.0.0.0:6881",
		Trackers: []string{"http://tracker.example.org:6969/announce", "udp://open.example.net:1337"},
		MaxDown:  5 * mib,
		MaxUp:    0,
		DownRate: 3.25 * mib,
		UpRate:   612 * 1024,
		Torrents: []Torrent{
			{
				InfoHash:   "aa11bb22cc33dd44ee55ff6677889900aabbccdd",
				Name:       "debian-12.5.0-amd64-DVD-1",
				Size:       3900 * mib,
				Done:       1755 * mib,
				DownRate:   3.25 * mib,
				UpRate:     100 * 1024,
				Downloaded: 1755 * mib,
				Uploaded:   120 * mib,
				Pieces:     7020,
				NumPieces:  15600,
				Tracker:    "announce ok, 41 peers, next in 28m",
				Files: []File{
					{Path: "debian-12.5.0-amd64-DVD-1.iso", Size: 3899 * mib, Done: 1755 * mib},
					{Path: "SHA256SUMS", Size: 1 * mib, Done: 0},
				},
				Peers: []Peer{
					{Addr: "10.0.0.2:51413", ID: "-TR4050-", Seed: true, DownRate: 2 * mib, Interested: true, WeChoke: true, DownPiece: 7031, DownPiecePct: 62.5, UpPiece: -1},
					{Addr: "10.0.0.10:6881", ID: "-lt2090-", DownRate: 1.25 * mib, UpRate: 100 * 1024, Interested: true, PeerInterested: true, DownPiece: 7040, DownPiecePct: 12.5, UpPiece: 12, UpPiecePct: 75},
					{Addr: "[2001:db8::7]:6881", ID: "-qB4630-", ChokesUs: true, Interested: true, WeChoke: true, DownPiece: -1, UpPiece: -1},
					{Addr: "10.0.0.3:6881", ID: "aria2/1.37.0", PeerInterested: true, WeChoke: true, DownPiece: -1, UpPiece: -1},
				},
			},
			{
				InfoHash:  "0123456789abcdef0123456789abcdef01234567",
				Name:      "big-buck-bunny-1080p.mkv",
				Size:      691 * mib,
				Done:      691 * mib,
				UpRate:    512 * 1024,
				Uploaded:  2400 * mib,
				Pieces:    2764,
				NumPieces: 2764,
				Seeding:   true,
				Tracker:   "announce ok, 12 peers",
				Peers: []Peer{
					{Addr: "192.168.1.20:6881", ID: "-TR4050-", UpRate: 312 * 1024, PeerInterested: true, DownPiece: -1, UpPiece: 1203, UpPiecePct: 50},
					{Addr: "192.168.1.7:49001", ID: "-lt2090-", UpRate: 200 * 1024, PeerInterested: true, DownPiece: -1, UpPiece: 88, UpPiecePct: 25},
				},
			},
			{
				InfoHash:  "fedcba9876543210fedcba9876543210fedcba98",
				Name:      "sintel-4k",
				Size:      4 * 1024 * mib,
				Done:      512 * mib,
				Pieces:    128,
				NumPieces: 1024,
				Paused:    true,
			},
		},
		Events: []Event{
			{Time: at(3), Torrent: "debian-12.5.0", Peer: "10.0.0.2:51413", Kind: "request", Detail: "piece 7031 begin 81920 length 16384"},
			{Time: at(4), Torrent: "debian-12.5.0", Peer: "10.0.0.2:51413", Kind: "piece recv", Detail: "piece 7031 begin 65536 length 16384"},
			{Time: at(4), Torrent: "debian-12.5.0", Peer: "[2001:db8::7]:6881", Kind: "choke", Detail: ""},
			{Time: at(5), Torrent: "big-buck-bunny", Peer: "192.168.1.20:6881", Kind: "piece sent", Detail: "piece 1203 begin 131072 length 16384"},
			{Time: at(5), Torrent: "debian-12.5.0", Peer: "10.0.0.10:6881", Kind: "have", Detail: "piece 7019"},
		},
	}
}

// oddSnapshot has everything a careless engine might send.
func oddSnapshot() Snapshot {
	return Snapshot{
		PeerID:   "\x1b[31mevil\x07",
		DownRate: math.NaN(),
		UpRate:   math.Inf(1),
		MaxDown:  -5,
		Trackers: []string{"http://t/\x1b]0;title\x07"},
		Torrents: []Torrent{
			{Name: "", InfoHash: "", Size: 0, Done: 10, DownRate: math.Inf(-1), Pieces: -3, NumPieces: 0},
			{
				Name: "a-very-long-torrent-name-that-goes-on-and-on-and-on-and-on-and-on-and-on-and-on-forever.iso",
				Size: 100, Done: 250, DownRate: math.NaN(), Err: "storage: disk full\nsecond line",
				Files: []File{{Path: "x\ty", Size: -1}, {Path: "日本語のファイル名.txt", Size: 0}},
				Peers: []Peer{
					{Addr: "not an address", ID: "\x00\x01", DownRate: math.NaN(), Interested: true, DownPiece: 123456789, DownPiecePct: math.Inf(1), UpPiece: -1},
					{Addr: "", DownPiece: -1, UpPiece: 5, UpPiecePct: -20, UpRate: 1e30},
				},
			},
			{Name: "\u202eevil-bidi", Seeding: true, Size: 0},
		},
		Events: []Event{{Kind: "piece recv\x1b", Detail: "\r\n"}},
	}
}

// rdvSnapshot is a torrent whose peers come through the rendezvous routers
// by every kind of link, next to a plain TCP peer.
func rdvSnapshot() Snapshot {
	return Snapshot{
		PeerID:   "-SH0100-4f2a9c1b7d3e",
		Listen:   "0.0.0.0:6881",
		DownRate: 2.5 * mib,
		UpRate:   400 * 1024,
		Torrents: []Torrent{{
			InfoHash:  "aa11bb22cc33dd44ee55ff6677889900aabbccdd",
			Name:      "ubuntu-24.04-desktop-amd64.iso",
			Size:      5800 * mib,
			Done:      2900 * mib,
			DownRate:  2.5 * mib,
			UpRate:    400 * 1024,
			Uploaded:  80 * mib,
			Pieces:    11600,
			NumPieces: 23200,
			Tracker:   "announce ok, 6 peers",
			Peers: []Peer{
				{Addr: "10.0.0.2:51413", ID: "Transmission 4.0.5", Seed: true, DownRate: 1 * mib, Interested: true, WeChoke: true, DownPiece: 11610, DownPiecePct: 50, UpPiece: -1},
				{Addr: "203.0.113.9:7000", Rendezvous: "3f9a1c07e5b2d4461a8f0c9b7e6d5a4b3c2d1e0f", Link: "relayed", ID: "-SH0100-", Seed: true, DownRate: 300 * 1024, Interested: true, WeChoke: true, DownPiece: 11622, DownPiecePct: 25, UpPiece: -1},
				{Addr: "198.51.100.4:40112", Rendezvous: "b07c0ffee0ddf00d1234567890abcdef01234567", Link: "direct", ID: "-SH0100-", DownRate: 900 * 1024, UpRate: 250 * 1024, Interested: true, PeerInterested: true, DownPiece: 11630, DownPiecePct: 75, UpPiece: 40, UpPiecePct: 50},
				{Addr: "198.51.100.77:51000", Rendezvous: "5e11a5e11a5e11a5e11a5e11a5e11a5e11a5e11a", Link: "simultaneous-open", ID: "-SH0100-", UpRate: 150 * 1024, PeerInterested: true, DownPiece: -1, UpPiece: 7, UpPiecePct: 25},
				{Addr: "192.168.1.30:6881", Rendezvous: "1a2b3c4d5e6f708192a3b4c5d6e7f80912345678", Link: "lan", ID: "-SH0100-", ChokesUs: true, Interested: true, WeChoke: true, DownPiece: -1, UpPiece: -1},
				{Addr: "198.51.100.200:6881", Rendezvous: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00", Link: "connect-back", ID: "-SH0100-", DownRate: 100 * 1024, Interested: true, WeChoke: true, DownPiece: 11640, DownPiecePct: 12.5, UpPiece: -1},
			},
		}},
	}
}
