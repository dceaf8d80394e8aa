package client

import (
	"errors"
	"net/netip"
	"net/url"
	"testing"

	"shoal/internal/bt"
)

func TestHTTPScrapeURL(t *testing.T) {
	h := bt.InfoHash{0x12, ' ', '+', '%', 'a', '~'}
	hq := "info_hash=%12%20%2B%25a~%00%00%00%00%00%00%00%00%00%00%00%00%00%00"
	tests := []struct {
		announce, want string
		wantErr        bool
	}{
		{"http://example.com/announce", "http://example.com/scrape?" + hq, false},
		{"http://example.com/x/announce", "http://example.com/x/scrape?" + hq, false},
		{"http://example.com/announce.php", "http://example.com/scrape.php?" + hq, false},
		{"http://example.com/announce?x=%2F&passkey=abc", "http://example.com/scrape?x=%2F&passkey=abc&" + hq, false},
		{"http://example.com/x%20y/announce", "http://example.com/x%20y/scrape?" + hq, false},
		{"https://example.com:8443/p/abc123/announce", "https://example.com:8443/p/abc123/scrape?" + hq, false},
		{"http://example.com/a", "", true},
		{"http://example.com/announce/x", "", true},
		{"http://example.com/x%2Fannounce", "", true},
		{"http://example.com/", "", true},
		{"http://example.com", "", true},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.announce)
		if err != nil {
			t.Fatal(err)
		}
		got, err := httpScrapeURL(u, []bt.InfoHash{h})
		if tt.wantErr {
			if !errors.Is(err, ErrScrapeUnsupported) {
				t.Errorf("%s: got %q, %v; want ErrScrapeUnsupported", tt.announce, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s:\n got  %q, %v\n want %q", tt.announce, got, err, tt.want)
		}
	}
}

func TestHTTPAnnounceURL(t *testing.T) {
	u, _ := url.Parse("http://example.com/announce?passkey=s3cret#frag")
	u.Fragment = ""
	req := Request{
		InfoHash: bt.InfoHash{0xff, 'A', '.'}, PeerID: bt.PeerID{'-', 'S', 'H'}, Port: 6881,
		Uploaded: 1, Downloaded: 2, Left: -5, Event: Completed, NumWant: 30, Key: 0xab,
		TrackerID: "t&id", IP: netip.MustParseAddr("::ffff:192.0.2.1"),
	}
	got := httpAnnounceURL(u, req)
	want := "http://example.com/announce?passkey=s3cret" +
		"&info_hash=%FFA.%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00" +
		"&peer_id=-SH%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00" +
		"&port=6881&uploaded=1&downloaded=2&left=0&compact=1&no_peer_id=1&numwant=30" +
		"&key=000000AB&event=completed&trackerid=t%26id&ip=192.0.2.1"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	u, _ = url.Parse("http://example.com/announce")
	got = httpAnnounceURL(u, Request{NoCompact: true})
	want = "http://example.com/announce?info_hash=" + escapeBytes(make([]byte, 20)) +
		"&peer_id=" + escapeBytes(make([]byte, 20)) +
		"&port=0&uploaded=0&downloaded=0&left=0&compact=0&no_peer_id=1&key=00000000"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestEventString(t *testing.T) {
	for e, want := range map[Event]string{None: "", Started: "started", Completed: "completed", Stopped: "stopped", Event(9): ""} {
		if got := e.String(); got != want {
			t.Errorf("Event(%d).String() = %q, want %q", int(e), got, want)
		}
	}
}
