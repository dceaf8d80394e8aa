package client

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shoal/internal/bt"
)

// newHTTPClient returns a Client whose idle connections are closed when
// the test ends.
func newHTTPClient(t *testing.T) *Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return New(Config{HTTPClient: &http.Client{Transport: tr, Timeout: 10 * time.Second}})
}

// newTracker starts an HTTP server on 127.0.0.1 that answers with h.
func newTracker(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// rawQuery splits a query without decoding '+' as space, the way trackers
// read raw bytes.
func rawQuery(t *testing.T, q string) map[string][]string {
	t.Helper()
	out := make(map[string][]string)
	for kv := range strings.SplitSeq(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		dv, err := url.PathUnescape(v)
		if err != nil {
			t.Errorf("query %q: %v", kv, err)
		}
		out[k] = append(out[k], dv)
	}
	return out
}

func testRequest() Request {
	return Request{
		InfoHash: bt.InfoHash{0x00, 0x20, '+', '&', '=', '%', 0xff, 'z'},
		PeerID:   bt.PeerID{'-', 'S', 'H', '0', '1', '0', '0', '-', 0x80, ' '},
		Port:     51413,
		Left:     1000,
		Event:    Started,
		Key:      42,
	}
}

func TestHTTPAnnounce(t *testing.T) {
	req := testRequest()
	var gotQuery map[string][]string
	var gotUA string
	srv := newTracker(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/p/announce" {
			http.NotFound(w, r)
			return
		}
		gotQuery = rawQuery(t, r.URL.RawQuery)
		gotUA = r.UserAgent()
		w.Write(benc(t, map[string]any{
			"interval": 120, "min interval": 30, "complete": 1, "incomplete": 2,
			"tracker id": "tid-1", "warning message": "be nice",
			"peers":  compact(false, "10.1.1.1:1000", "10.1.1.2:2000"),
			"peers6": compact(true, "[2001:db8::5]:3000", "[::ffff:10.1.1.1]:1000"),
		}))
	})
	c := newHTTPClient(t)
	resp, err := c.Announce(t.Context(), srv.URL+"/p/announce?passkey=s3cret", req)
	if err != nil {
		t.Fatal(err)
	}
	want := Response{
		Interval: 2 * time.Minute, MinInterval: 30 * time.Second, Complete: 1, Incomplete: 2,
		TrackerID: "tid-1", Warning: "be nice",
		Peers: addrPorts("10.1.1.1:1000", "10.1.1.2:2000", "[2001:db8::5]:3000"),
	}
	if !equalResponse(resp, want) {
		t.Errorf("got  %+v\nwant %+v", resp, want)
	}
	wantQuery := map[string]string{
		"passkey": "s3cret", "info_hash": string(req.InfoHash[:]), "peer_id": string(req.PeerID[:]),
		"port": "51413", "uploaded": "0", "downloaded": "0", "left": "1000", "compact": "1",
		"no_peer_id": "1", "key": "0000002A", "event": "started",
	}
	for k, v := range wantQuery {
		if got := gotQuery[k]; len(got) != 1 || got[0] != v {
			t.Errorf("query %s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"numwant", "trackerid", "ip"} {
		if _, ok := gotQuery[k]; ok {
			t.Errorf("query has %s", k)
		}
	}
	if !strings.HasPrefix(gotUA, "shoal/") {
		t.Errorf("User-Agent %q", gotUA)
	}
}

func TestHTTPAnnounceErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		check   func(t *testing.T, err error)
	}{
		{
			name: "failure reason",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write(benc(t, map[string]any{"failure reason": "passkey invalid"}))
			},
			check: func(t *testing.T, err error) {
				var fe *FailureError
				if !errors.As(err, &fe) || fe.Reason != "passkey invalid" {
					t.Errorf("error %v, want failure", err)
				}
				if err.Error() != "tracker: failure reason: passkey invalid" {
					t.Errorf("message %q", err.Error())
				}
			},
		},
		{
			name: "failure reason with error status",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusForbidden)
				w.Write(benc(t, map[string]any{"failure reason": "banned client"}))
			},
			check: func(t *testing.T, err error) {
				var fe *FailureError
				if !errors.As(err, &fe) || fe.Reason != "banned client" {
					t.Errorf("error %v, want failure", err)
				}
			},
		},
		{
			name: "error status",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "<html>oops</html>", http.StatusBadGateway)
			},
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "502") {
					t.Errorf("error %v, want status 502", err)
				}
			},
		},
		{
			name: "garbage body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("<html>hello</html>"))
			},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("error %v, want ErrMalformed", err)
				}
			},
		},
		{
			name: "oversized body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				chunk := bytes.Repeat([]byte("x"), 64<<10)
				for range maxBody/len(chunk) + 2 {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrBodyTooLarge) {
					t.Errorf("error %v, want ErrBodyTooLarge", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTracker(t, tt.handler)
			_, err := newHTTPClient(t).Announce(t.Context(), srv.URL+"/announce?passkey=s3cret", testRequest())
			tt.check(t, err)
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the passkey", err)
			}
		})
	}
}

func TestHTTPSAnnounce(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(benc(t, map[string]any{"interval": 60, "peers": compact(false, "10.3.3.3:3")}))
	}))
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatal(srv.URL)
	}
	resp, err := New(Config{HTTPClient: srv.Client()}).Announce(t.Context(), srv.URL+"/announce", testRequest())
	if err != nil {
		t.Fatal(err)
	}
	if want := addrPorts("10.3.3.3:3"); !slices.Equal(resp.Peers, want) {
		t.Errorf("peers %v, want %v", resp.Peers, want)
	}
}

func TestHTTPScrapeBatches(t *testing.T) {
	var mu sync.Mutex
	var batches []int
	srv := newTracker(t, func(w http.ResponseWriter, r *http.Request) {
		q := rawQuery(t, r.URL.RawQuery)["info_hash"]
		mu.Lock()
		batches = append(batches, len(q))
		mu.Unlock()
		files := map[string]any{}
		for _, h := range q {
			files[h] = map[string]any{"complete": int(h[0])}
		}
		w.Write(benc(t, map[string]any{"files": files}))
	})
	hashes := make([]bt.InfoHash, maxHTTPScrapeHashes+1)
	for i := range hashes {
		hashes[i] = bt.InfoHash{byte(i), 1}
	}
	got, err := newHTTPClient(t).Scrape(t.Context(), srv.URL+"/announce", hashes)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(hashes) || got[hashes[len(hashes)-1]].Complete != len(hashes)-1 {
		t.Errorf("%d results: %v", len(got), got)
	}
	if !slices.Equal(batches, []int{maxHTTPScrapeHashes, 1}) {
		t.Errorf("batches %v", batches)
	}
}

func TestHTTPAnnounceDictPeers(t *testing.T) {
	srv := newTracker(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("compact") != "0" {
			t.Errorf("compact = %q", r.URL.Query().Get("compact"))
		}
		w.Write(benc(t, map[string]any{"interval": 60, "peers": []any{
			map[string]any{"ip": "10.2.2.2", "port": 6881, "peer id": "xxxxxxxxxxxxxxxxxxxx"},
			map[string]any{"ip": "::1", "port": 6882},
		}}))
	})
	req := testRequest()
	req.NoCompact = true
	resp, err := newHTTPClient(t).Announce(t.Context(), srv.URL+"/announce", req)
	if err != nil {
		t.Fatal(err)
	}
	if want := addrPorts("10.2.2.2:6881", "[::1]:6882"); !slices.Equal(resp.Peers, want) {
		t.Errorf("peers %v, want %v", resp.Peers, want)
	}
}

func TestHTTPAnnounceUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	_, err := newHTTPClient(t).Announce(t.Context(), addr+"/announce?passkey=s3cret", testRequest())
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q shows the passkey", err)
	}
}

func TestHTTPScrape(t *testing.T) {
	h1, h2, h3 := bt.InfoHash{1, ' '}, bt.InfoHash{2, '+'}, bt.InfoHash{3}
	srv := newTracker(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/x/scrape.php" {
			http.NotFound(w, r)
			return
		}
		q := rawQuery(t, r.URL.RawQuery)
		if got := q["passkey"]; len(got) != 1 || got[0] != "k" {
			t.Errorf("passkey %q", got)
		}
		if got, want := q["info_hash"], []string{string(h1[:]), string(h2[:]), string(h3[:])}; !slices.Equal(got, want) {
			t.Errorf("info_hash %q, want %q", got, want)
		}
		w.Write(benc(t, map[string]any{"files": map[string]any{
			string(h1[:]):                        map[string]any{"complete": 1, "incomplete": 2, "downloaded": 3},
			string(h2[:]):                        map[string]any{"complete": 4, "incomplete": 5, "downloaded": 6},
			string(bt.InfoHash{9}.String()[:20]): map[string]any{"complete": 7},
		}}))
	})
	c := newHTTPClient(t)
	got, err := c.Scrape(t.Context(), srv.URL+"/x/announce.php?passkey=k", []bt.InfoHash{h1, h2, h3})
	if err != nil {
		t.Fatal(err)
	}
	want := map[bt.InfoHash]ScrapeResult{h1: {1, 2, 3}, h2: {4, 5, 6}}
	if len(got) != len(want) || got[h1] != want[h1] || got[h2] != want[h2] {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := c.Scrape(t.Context(), srv.URL+"/x/tracker", []bt.InfoHash{h1}); !errors.Is(err, ErrScrapeUnsupported) {
		t.Errorf("scrape of /x/tracker: %v", err)
	}
}

func TestBadURLs(t *testing.T) {
	c := New(Config{})
	for _, u := range []string{"ftp://example.com/announce", "wss://example.com/announce", "example.com/announce", "::", "http:///announce"} {
		if _, err := c.Announce(t.Context(), u, Request{}); err == nil {
			t.Errorf("Announce(%q) succeeded", u)
		}
		if _, err := c.Scrape(t.Context(), u, []bt.InfoHash{{}}); err == nil {
			t.Errorf("Scrape(%q) succeeded", u)
		}
	}
	if _, err := c.Announce(t.Context(), "ftp://example.com/announce", Request{}); !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("ftp: %v", err)
	}
}
