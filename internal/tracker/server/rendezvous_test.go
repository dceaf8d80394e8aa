package server

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"shoal/internal/tracker/client"
	"shoal/internal/tracker/registry"
	"shoal/internal/tracker/store"
)

const testRouter = "0123456789abcdef0123456789abcdef01234567@198.18.0.10:7000"

func TestParseRendezvousParams(t *testing.T) {
	id := strings.Repeat("ab", 20)
	var want [20]byte
	for i := range want {
		want[i] = 0xab
	}
	tests := []struct {
		query string
		want  registry.Rendezvous
	}{
		{"", registry.Rendezvous{}},
		{"&rendezvous=" + id, registry.Rendezvous{ID: want}},
		{"&rendezvous=" + strings.ToUpper(id) + "&router=" + url.QueryEscape(testRouter), registry.Rendezvous{ID: want, Router: testRouter}},
		{"&router=" + url.QueryEscape(testRouter), registry.Rendezvous{}},
		{"&rendezvous=" + id[:38], registry.Rendezvous{}},
		{"&rendezvous=" + id[:38] + "zz", registry.Rendezvous{}},
		{"&rendezvous=" + id + "&router=bad", registry.Rendezvous{ID: want}},
		{"&rendezvous=" + id + "&router=" + strings.Repeat("a", 400), registry.Rendezvous{ID: want}},
		{"&rendezvous=" + id + "&router=%zz", registry.Rendezvous{ID: want}},
	}
	base := "info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=bbbbbbbbbbbbbbbbbbbb&port=1"
	for _, tt := range tests {
		q, err := parseAnnounceQuery(base + tt.query)
		if err != nil || q.rendezvous != tt.want {
			t.Errorf("%q: %+v, %v; want %+v", tt.query, q.rendezvous, err, tt.want)
		}
	}
}

// announceRaw announces and parses the reply as a client does.
func announceRaw(t *testing.T, u string) client.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r, err := client.ParseHTTPAnnounce(body)
	if err != nil {
		t.Fatalf("%v: %q", err, body)
	}
	return r
}

// TestRendezvousAnnounce: the rendezvous contact of an announce goes out
// with the peer in other peers' replies, also after a restart on the
// same store.
func TestRendezvousAnnounce(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	h := ih(4)
	id := [20]byte{0: 0xfe, 19: 0x01}
	cfg := Config{HTTPAddr: "127.0.0.1:0", Now: clk.Now, Interval: time.Minute}
	st, err := store.OpenBolt(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store = st
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	v := announceValues(h, peerID(1), 6001, 0)
	v.Set("rendezvous", hex.EncodeToString(id[:]))
	v.Set("router", testRouter)
	announceRaw(t, announceURLFor(s, v))
	want := client.RendezvousPeer{Addr: netip.MustParseAddrPort("127.0.0.1:6001"), Rendezvous: client.Rendezvous{ID: id, Router: testRouter}}

	// A malformed contact is ignored, not refused.
	v = announceValues(h, peerID(2), 6002, 10)
	v.Set("rendezvous", "nonsense")
	r := announceRaw(t, announceURLFor(s, v))
	if len(r.Peers) != 1 || len(r.Rendezvous) != 1 || r.Rendezvous[0] != want {
		t.Fatalf("reply peers %v, contacts %+v; want %+v", r.Peers, r.Rendezvous, want)
	}
	// The seeder sees the leecher, which has no contact.
	if r := announceRaw(t, announceURLFor(s, announceValues(h, peerID(1), 6001, 0))); len(r.Peers) != 1 || r.Rendezvous != nil {
		t.Errorf("seeder's reply: peers %v, contacts %+v", r.Peers, r.Rendezvous)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = store.OpenBolt(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Store = st
	s = startServer(t, cfg)
	r = announceRaw(t, announceURLFor(s, announceValues(h, peerID(3), 6003, 10)))
	if len(r.Peers) != 2 || len(r.Rendezvous) != 1 || r.Rendezvous[0] != want {
		t.Errorf("after restart: peers %v, contacts %+v; want %+v", r.Peers, r.Rendezvous, want)
	}
}

func TestRendezvousOfCompact(t *testing.T) {
	s, err := New(Config{HTTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	h := ih(5)
	a4, a6 := netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("[2001:db8::1]:2")
	r4 := registry.Rendezvous{ID: [20]byte{4}, Router: testRouter}
	r6 := registry.Rendezvous{ID: [20]byte{6}}
	for i, p := range []struct {
		addr netip.AddrPort
		rdv  registry.Rendezvous
	}{{a4, r4}, {a6, r6}, {netip.MustParseAddrPort("10.0.0.2:2"), registry.Rendezvous{}}} {
		if _, err := s.reg.Announce(t0, registry.AnnounceParams{InfoHash: h, PeerID: peerID(i), Addr: p.addr, Left: 1, Rendezvous: p.rdv}, nil); err != nil {
			t.Fatal(err)
		}
	}
	got := s.rendezvousOf(h, 2, nil, []byte{10, 0, 0, 1, 0, 1, 10, 0, 0, 2, 0, 2}, false)
	if len(got) != 1 || got[0].Addr != a4 || got[0].Rendezvous != r4 {
		t.Errorf("IPv4: %+v", got)
	}
	six := append(a6.Addr().AsSlice(), 0, 2)
	got = s.rendezvousOf(h, 2, []registry.Endpoint{{Addr: a4}}, six, true)
	if len(got) != 2 || got[1].Addr != a6 || got[1].Rendezvous != r6 {
		t.Errorf("IPv6: %+v", got)
	}
	if got := s.rendezvousOf(h, 0, []registry.Endpoint{{Addr: a4}}, nil, false); got != nil {
		t.Errorf("a swarm without contacts: %+v", got)
	}
	// The reply key decodes as a client reads it.
	body := appendRendezvous([]byte("d8:intervali60e"), got)
	r, err := client.ParseHTTPAnnounce(append(body, 'e'))
	if err != nil || len(r.Rendezvous) != 2 || r.Rendezvous[0].Router != testRouter || r.Rendezvous[1].Addr != a6 {
		t.Errorf("parsed %+v, %v", r.Rendezvous, err)
	}
}
