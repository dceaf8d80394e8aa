package swarm

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/bt"
	"shoal/internal/wire"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	testPieces = 8
	testPL     = 2 * bt.BlockSize
	testTotal  = testPieces*testPL - 100
)

func newState(t *testing.T, have *bitfield.Bitfield) *State {
	t.Helper()
	s, err := New(Config{NumPieces: testPieces, PieceLength: testPL, TotalLength: testTotal, Have: have, Rand: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func kinds(acts []Action) string {
	var b []string
	for _, a := range acts {
		b = append(b, a.String())
	}
	return strings.Join(b, "; ")
}

func find(acts []Action, k Kind, id wire.ID) []Action {
	var out []Action
	for _, a := range acts {
		if a.Kind == k && (k != Send || a.Msg.ID == id) {
			out = append(out, a)
		}
	}
	return out
}

func full() *bitfield.Bitfield {
	b := bitfield.New(testPieces)
	b.SetAll()
	return b
}

func TestOpeningMessages(t *testing.T) {
	seed := newState(t, full())
	acts := seed.AddPeer(t0, 1, PeerInfo{Fast: true, Extended: true})
	if len(find(acts, Send, wire.HaveAll)) != 1 || len(find(acts, Send, wire.Extended)) != 1 {
		t.Fatalf("seed to fast peer: %s", kinds(acts))
	}
	acts = seed.AddPeer(t0, 2, PeerInfo{})
	if len(find(acts, Send, wire.Bitfield)) != 1 || len(acts) != 1 {
		t.Fatalf("seed to plain peer: %s", kinds(acts))
	}
	empty := newState(t, nil)
	if acts := empty.AddPeer(t0, 1, PeerInfo{}); len(acts) != 0 {
		t.Fatalf("empty to plain peer: %s", kinds(acts))
	}
	if acts := empty.AddPeer(t0, 2, PeerInfo{Fast: true}); len(find(acts, Send, wire.HaveNone)) != 1 {
		t.Fatalf("empty to fast peer: %s", kinds(acts))
	}
}

// TestDownloadOnePeer drives a whole download from a single seeding peer.
func TestDownloadOnePeer(t *testing.T) {
	s := newState(t, nil)
	s.AddPeer(t0, 1, PeerInfo{Fast: true})
	acts := s.Handle(t0, 1, wire.Message{ID: wire.HaveAll})
	if len(find(acts, Send, wire.Interested)) != 1 {
		t.Fatalf("no interest in a seed: %s", kinds(acts))
	}
	if len(find(acts, Send, wire.Request)) != 0 {
		t.Fatalf("requests while choked: %s", kinds(acts))
	}
	acts = s.Handle(t0, 1, wire.Message{ID: wire.Unchoke})
	reqs := find(acts, Send, wire.Request)
	if len(reqs) == 0 {
		t.Fatalf("no requests after unchoke: %s", kinds(acts))
	}
	pending := append([]Action(nil), reqs...)
	verified := 0
	for steps := 0; len(pending) > 0 && steps < 1000; steps++ {
		r := pending[0].Msg
		pending = pending[1:]
		acts = s.Handle(t0, 1, wire.Message{ID: wire.Piece, Index: r.Index, Begin: r.Begin, Payload: make([]byte, r.Length)})
		if len(find(acts, Store, 0)) != 1 {
			t.Fatalf("block not stored: %s", kinds(acts))
		}
		pending = append(pending, find(acts, Send, wire.Request)...)
		for _, h := range find(acts, Hash, 0) {
			acts = s.PieceHashed(t0, int(h.Msg.Index), true)
			verified++
			if len(find(acts, Send, wire.Have)) != 1 {
				t.Fatalf("no have broadcast: %s", kinds(acts))
			}
			pending = append(pending, find(acts, Send, wire.Request)...)
			if verified == testPieces && len(find(acts, Completed, 0)) != 1 {
				t.Fatalf("no completion: %s", kinds(acts))
			}
		}
	}
	if !s.Complete() || s.Left() != 0 || verified != testPieces {
		t.Fatalf("complete=%v left=%d verified=%d", s.Complete(), s.Left(), verified)
	}
}

func TestServeOnlyWhenUnchoked(t *testing.T) {
	s := newState(t, full())
	s.AddPeer(t0, 1, PeerInfo{Fast: true})
	req := wire.Message{ID: wire.Request, Index: 1, Begin: 0, Length: bt.BlockSize}
	acts := s.Handle(t0, 1, req)
	if len(find(acts, Send, wire.Reject)) != 1 || len(find(acts, Serve, 0)) != 0 {
		t.Fatalf("choked fast peer's request: %s", kinds(acts))
	}
	acts = s.Handle(t0, 1, wire.Message{ID: wire.Interested})
	if len(find(acts, Send, wire.Unchoke)) != 1 {
		t.Fatalf("interested peer not unchoked into a free slot: %s", kinds(acts))
	}
	acts = s.Handle(t0, 1, req)
	if len(find(acts, Serve, 0)) != 1 {
		t.Fatalf("unchoked peer's request not served: %s", kinds(acts))
	}
	acts = s.Handle(t0, 1, wire.Message{ID: wire.Cancel, Index: 1, Begin: 0, Length: bt.BlockSize})
	if len(find(acts, Unserve, 0)) != 1 {
		t.Fatalf("cancel not passed on: %s", kinds(acts))
	}
}

func TestProtocolViolationsClose(t *testing.T) {
	cases := []struct {
		name string
		fast bool
		msgs []wire.Message
	}{
		{"have none after have all", true, []wire.Message{{ID: wire.HaveAll}, {ID: wire.HaveNone}}},
		{"have out of range", false, []wire.Message{{ID: wire.Have, Index: testPieces}}},
		{"bitfield wrong length", false, []wire.Message{{ID: wire.Bitfield, Payload: []byte{0xff, 0}}}},
		{"have all without fast", false, []wire.Message{{ID: wire.HaveAll}}},
		{"reject without fast", false, []wire.Message{{ID: wire.Reject, Index: 0, Length: bt.BlockSize}}},
		{"request past piece end", true, []wire.Message{{ID: wire.Request, Index: 0, Begin: testPL - 10, Length: bt.BlockSize}}},
		{"request of a missing piece", false, []wire.Message{{ID: wire.Request, Index: 0, Length: bt.BlockSize}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newState(t, nil)
			s.AddPeer(t0, 1, PeerInfo{Fast: c.fast})
			var acts []Action
			for _, m := range c.msgs {
				acts = s.Handle(t0, 1, m)
			}
			if len(find(acts, Close, 0)) != 1 {
				t.Fatalf("not closed: %s", kinds(acts))
			}
		})
	}
}

func TestBadDataBans(t *testing.T) {
	s := newState(t, nil)
	s.AddPeer(t0, 1, PeerInfo{})
	s.Handle(t0, 1, wire.Message{ID: wire.Bitfield, Payload: full().Bytes()})
	acts := s.Handle(t0, 1, wire.Message{ID: wire.Unchoke})
	var banned bool
	for round := 0; round < 4 && !banned; round++ {
		reqs := find(acts, Send, wire.Request)
		if len(reqs) == 0 {
			t.Fatalf("round %d: no requests", round)
		}
		var hashes []Action
		for _, r := range reqs {
			a := s.Handle(t0, 1, wire.Message{ID: wire.Piece, Index: r.Msg.Index, Begin: r.Msg.Begin, Payload: make([]byte, r.Msg.Length)})
			hashes = append(hashes, find(a, Hash, 0)...)
		}
		if len(hashes) == 0 {
			t.Fatalf("round %d: no piece completed", round)
		}
		for _, h := range hashes {
			acts = s.PieceHashed(t0, int(h.Msg.Index), false)
			if b := find(acts, Ban, 0); len(b) > 0 {
				banned = true
				if !errors.Is(b[0].Err, ErrBadData) {
					t.Fatalf("ban reason %v", b[0].Err)
				}
				break
			}
		}
		acts = s.Tick(t0.Add(time.Duration(round+1) * time.Second))
	}
	if !banned {
		t.Fatal("a peer whose pieces always fail was not banned")
	}
}

func TestNotInterestedWhenPeerHasNothingNew(t *testing.T) {
	have := bitfield.New(testPieces)
	have.Set(0)
	s := newState(t, have)
	s.AddPeer(t0, 1, PeerInfo{})
	bf := bitfield.New(testPieces)
	bf.Set(0)
	acts := s.Handle(t0, 1, wire.Message{ID: wire.Bitfield, Payload: bf.Bytes()})
	if len(find(acts, Send, wire.Interested)) != 0 {
		t.Fatalf("interested in a peer with nothing new: %s", kinds(acts))
	}
	acts = s.Handle(t0, 1, wire.Message{ID: wire.Have, Index: 3})
	if len(find(acts, Send, wire.Interested)) != 1 {
		t.Fatalf("not interested after a new have: %s", kinds(acts))
	}
}

func TestSeedsDisconnectSeeds(t *testing.T) {
	s := newState(t, full())
	s.AddPeer(t0, 1, PeerInfo{Fast: true})
	acts := s.Handle(t0, 1, wire.Message{ID: wire.HaveAll})
	if len(find(acts, Close, 0)) != 1 {
		t.Fatalf("seed kept a seed: %s", kinds(acts))
	}
}

func TestServeMetadata(t *testing.T) {
	meta := make([]byte, wire.MetadataPieceLen+100)
	for i := range meta {
		meta[i] = byte(i)
	}
	s, err := New(Config{NumPieces: testPieces, PieceLength: testPL, TotalLength: testTotal, Have: full(), Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	acts := s.AddPeer(t0, 1, PeerInfo{Extended: true})
	ext := find(acts, Send, wire.Extended)
	if len(ext) != 1 {
		t.Fatalf("no extension handshake: %s", kinds(acts))
	}
	h, err := wire.ParseExtHandshake(ext[0].Msg.Payload)
	if err != nil || h.M[wire.ExtMetadata] != extMetadataID || h.MetadataSize != len(meta) {
		t.Fatalf("handshake %+v, %v", h, err)
	}
	theirs, _ := wire.ExtHandshake{M: map[string]int{wire.ExtMetadata: 7}}.Marshal()
	s.Handle(t0, 1, wire.Message{ID: wire.Extended, ExtID: 0, Payload: theirs})
	for piece, want := range map[int]wire.MetadataType{0: wire.MetadataData, 1: wire.MetadataData, 2: wire.MetadataReject} {
		req := wire.AppendMetadata(nil, wire.Metadata{Type: wire.MetadataRequest, Piece: piece})
		acts = s.Handle(t0, 1, wire.Message{ID: wire.Extended, ExtID: extMetadataID, Payload: req})
		out := find(acts, Send, wire.Extended)
		if len(out) != 1 || out[0].Msg.ExtID != 7 {
			t.Fatalf("piece %d: %s", piece, kinds(acts))
		}
		m, err := wire.ParseMetadata(out[0].Msg.Payload)
		if err != nil || m.Type != want {
			t.Fatalf("piece %d: %+v %v", piece, m, err)
		}
		if want == wire.MetadataData && (m.TotalSize != len(meta) || string(m.Data) != string(meta[piece*wire.MetadataPieceLen:min(len(meta), (piece+1)*wire.MetadataPieceLen)])) {
			t.Fatalf("piece %d: wrong data", piece)
		}
	}
}

// TestPieceListAfterExtensionHandshake: libtorrent sends its extension
// handshake before its bitfield or have all.
func TestPieceListAfterExtensionHandshake(t *testing.T) {
	s := newState(t, nil)
	s.AddPeer(t0, 1, PeerInfo{Fast: true, Extended: true})
	hs, _ := wire.ExtHandshake{M: map[string]int{"ut_metadata": 2}, V: "libtorrent"}.Marshal()
	s.Handle(t0, 1, wire.Message{ID: wire.Extended, ExtID: 0, Payload: hs})
	s.Handle(t0, 1, wire.Message{ID: wire.Port, Port: 6881})
	s.Handle(t0, 1, wire.Message{ID: wire.AllowedFast, Index: 3})
	acts := s.Handle(t0, 1, wire.Message{ID: wire.HaveAll})
	if len(find(acts, Close, 0)) != 0 || len(find(acts, Send, wire.Interested)) != 1 {
		t.Fatalf("have all after the extension handshake: %s", kinds(acts))
	}
}

// TestLaterBitfieldAddsHaves: aria2 repeats its bitfield instead of
// sending haves.
func TestLaterBitfieldAddsHaves(t *testing.T) {
	s := newState(t, nil)
	s.AddPeer(t0, 1, PeerInfo{})
	s.Handle(t0, 1, wire.Message{ID: wire.Bitfield, Payload: []byte{0x00}})
	acts := s.Handle(t0, 1, wire.Message{ID: wire.Bitfield, Payload: []byte{0x40}})
	if len(find(acts, Close, 0)) != 0 || len(find(acts, Send, wire.Interested)) != 1 {
		t.Fatalf("second bitfield: %s", kinds(acts))
	}
	if st := s.Stats(t0, true); st.Peers[0].Have != 1 {
		t.Fatalf("peer has %d pieces, want 1", st.Peers[0].Have)
	}
}

// TestPEXAnnounced: peer exchange is in the extension handshake only
// when asked for (the engine leaves it out of private torrents).
func TestPEXAnnounced(t *testing.T) {
	for _, on := range []bool{false, true} {
		s, err := New(Config{NumPieces: testPieces, PieceLength: testPL, TotalLength: testTotal, PEX: on})
		if err != nil {
			t.Fatal(err)
		}
		ext := find(s.AddPeer(t0, 1, PeerInfo{Extended: true}), Send, wire.Extended)
		if len(ext) != 1 {
			t.Fatal("no extension handshake")
		}
		h, err := wire.ParseExtHandshake(ext[0].Msg.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if id, ok := h.ExtID("ut_pex"); ok != on || (on && id != ExtPEXID) {
			t.Errorf("PEX %v: ut_pex id %d, present %v", on, id, ok)
		}
	}
}
