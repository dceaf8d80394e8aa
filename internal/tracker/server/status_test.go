package server

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"shoal/internal/tracker/registry"
)

func statusURL(s *Server) string { return strings.TrimSuffix(s.AnnounceURL(), "announce") }

func fetchStatus(t *testing.T, s *Server) string {
	t.Helper()
	resp, err := http.Get(statusURL(s))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status page: %d %s", resp.StatusCode, body)
	}
	return string(body)
}

func TestStatusPageNamesAreEscaped(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	evil := `<script>alert(1)<script>` // a name may not hold a slash
	evil2 := `<img src=x onerror="alert(2)">&amp;`
	h1 := registeredHash(t, s, evil, 1)
	h2 := registeredHash(t, s, evil2, 2)
	registeredHash(t, s, "idle", 3) // registered, no peers: counted, not listed
	get(t, announceURLFor(s, announceValues(h1, peerID(1), 6881, 0)))
	get(t, announceURLFor(s, announceValues(h2, peerID(2), 6882, 10)))
	get(t, announceURLFor(s, announceValues(ih(9), peerID(3), 6883, 10)))
	body := fetchStatus(t, s)
	for _, bad := range []string{"<script>alert", "<img", `onerror="`} {
		if strings.Contains(body, bad) {
			t.Errorf("status page contains %q unescaped:\n%s", bad, body)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;script&gt;",
		"&lt;img src=x onerror=&#34;alert(2)&#34;&gt;&amp;amp;",
		h1.String(), h2.String(), ih(9).String(),
		"3 swarms, 3 peers: 1 seeders, 2 leechers. 3 registered torrents.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q:\n%s", want, body)
		}
	}
}

func TestStatusPageBounded(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 10_000
	for i := range n {
		// Swarm i has i%7+1 peers, so the largest ones are spread out.
		for p := range i%7 + 1 {
			_, err := s.reg.Announce(t0, registry.AnnounceParams{
				InfoHash: benchHash(i), PeerID: peerID(p),
				Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(p), byte(i >> 8), byte(i)}), 6881), Left: int64(p % 2),
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	d := s.status(s.reg.Stats(nil))
	if d.Swarms != n || !d.Truncated || len(d.Rows) != MaxStatusRows {
		t.Fatalf("%d swarms, %d rows, truncated %v", d.Swarms, len(d.Rows), d.Truncated)
	}
	for _, r := range d.Rows {
		if r.Seeders+r.Leechers != 7 {
			t.Fatalf("row %v is not among the largest swarms", r)
		}
	}
	h := s.Handler()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "/", nil)
	req.RemoteAddr = "127.0.0.1:1"
	w := &countingWriter{header: http.Header{}}
	h.ServeHTTP(w, req)
	if w.code != 0 && w.code != http.StatusOK || strings.Count(w.body.String(), "<tr>") != MaxStatusRows+1 {
		t.Errorf("status %d, %d rows", w.code, strings.Count(w.body.String(), "<tr>"))
	}
}

type countingWriter struct {
	header http.Header
	code   int
	body   strings.Builder
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) WriteHeader(code int)        { w.code = code }
func (w *countingWriter) Write(b []byte) (int, error) { return w.body.Write(b) }

// TestTopSwarms checks the heap selection against sorting everything.
func TestTopSwarms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		stats := make([]registry.SwarmStats, rng.IntN(300))
		for i := range stats {
			stats[i] = registry.SwarmStats{InfoHash: benchHash(rng.IntN(1000)), Seeders: rng.IntN(5), Leechers: rng.IntN(5)}
		}
		n := rng.IntN(50) + 1
		want := slices.Clone(stats)
		slices.SortFunc(want, statusOrder)
		want = want[:min(n, len(want))]
		if got := topSwarms(slices.Clone(stats), n); !slices.Equal(got, want) {
			t.Fatalf("top %d of %d:\n got %v\nwant %v", n, len(stats), got, want)
		}
	}
}

func BenchmarkStatusPage(b *testing.B) {
	s := benchServer(b)
	h := s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("GET", "/", nil)
		req.RemoteAddr = "127.0.0.1:1"
		h.ServeHTTP(&countingWriter{header: http.Header{}}, req)
	}
}
