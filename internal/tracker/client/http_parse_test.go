package client

import (
	"errors"
	"maps"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shoal/internal/bencode"
	"shoal/internal/bt"
)

func benc(t testing.TB, v any) []byte {
	t.Helper()
	b, err := bencode.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseHTTPAnnounce(t *testing.T) {
	tests := []struct {
		name    string
		body    map[string]any
		want    Response
		wantErr error
	}{
		{
			name: "compact",
			body: map[string]any{
				"interval": 900, "min interval": 60, "complete": 3, "incomplete": 4,
				"tracker id": "abc", "peers": compact(false, "10.0.0.1:6881", "10.0.0.2:6882"),
			},
			want: Response{Interval: 15 * time.Minute, MinInterval: time.Minute, Complete: 3, Incomplete: 4,
				TrackerID: "abc", Peers: addrPorts("10.0.0.1:6881", "10.0.0.2:6882")},
		},
		{
			name: "dict peers",
			body: map[string]any{
				"interval": 1800,
				"peers": []any{
					map[string]any{"ip": "10.0.0.1", "port": 6881, "peer id": "01234567890123456789"},
					map[string]any{"ip": "2001:db8::2", "port": 1},
					map[string]any{"ip": "tracker.example", "port": 1},
					map[string]any{"ip": "10.0.0.3", "port": 70000},
					map[string]any{"ip": "10.0.0.4"},
					map[string]any{"ip": string([]byte{10, 0, 0, 5}), "port": 5},
					map[string]any{"ip": 5, "port": 5},
				},
			},
			want: Response{Interval: 30 * time.Minute, Peers: addrPorts("10.0.0.1:6881", "[2001:db8::2]:1", "10.0.0.5:5")},
		},
		{
			name: "peers6 merged and deduplicated",
			body: map[string]any{
				"interval": 10,
				"peers":    compact(false, "10.0.0.1:1", "10.0.0.1:1", "0.0.0.0:5", "10.0.0.9:0"),
				"peers6":   compact(true, "[2001:db8::1]:2", "[::ffff:10.0.0.1]:1", "[::]:3"),
			},
			want: Response{Interval: 10 * time.Second, Peers: addrPorts("10.0.0.1:1", "[2001:db8::1]:2")},
		},
		{
			name: "defaults and wrong types ignored",
			body: map[string]any{"interval": "soon", "complete": "x", "tracker id": 5, "peers": ""},
			want: Response{Interval: defaultInterval},
		},
		{
			name: "huge interval capped, warning cleaned, external ip",
			body: map[string]any{
				"interval": int64(1) << 62, "warning message": "  slow\tdown\x07 ",
				"external ip": string([]byte{192, 0, 2, 1}), "peers": []any{},
			},
			want: Response{Interval: maxInterval, Warning: "slow down\uFFFD", ExternalIP: netip.MustParseAddr("192.0.2.1")},
		},
		{
			name: "empty dictionary",
			body: map[string]any{},
			want: Response{Interval: defaultInterval},
		},
		{
			name:    "failure wins",
			body:    map[string]any{"failure reason": "unregistered torrent", "peers": ""},
			wantErr: &FailureError{Reason: "unregistered torrent"},
		},
		{
			name:    "failure without text",
			body:    map[string]any{"failure reason": 1},
			wantErr: &FailureError{Reason: "(no reason given)"},
		},
		{name: "bad compact length", body: map[string]any{"peers": "12345"}, wantErr: ErrMalformed},
		{name: "bad peers6 length", body: map[string]any{"peers6": "123456"}, wantErr: ErrMalformed},
		{name: "peers of wrong type", body: map[string]any{"peers": 5}, wantErr: ErrMalformed},
		{name: "peer list of strings", body: map[string]any{"peers": []any{"x"}}, wantErr: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHTTPAnnounce(benc(t, tt.body))
			var fe *FailureError
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr == nil:
			case errors.As(tt.wantErr, &fe):
				var gotFE *FailureError
				if !errors.As(err, &gotFE) || *gotFE != *fe {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
			case !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if !equalResponse(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseHTTPAnnounceGarbage(t *testing.T) {
	valid := benc(t, map[string]any{"interval": 1800, "peers": compact(false, "10.0.0.1:1")})
	inputs := []string{"", "<html>502 Bad Gateway</html>", "le", "i5e", "d8:intervali5e", string(valid) + "x"}
	for n := range len(valid) {
		inputs = append(inputs, string(valid[:n]))
	}
	for _, in := range inputs {
		if _, err := ParseHTTPAnnounce([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseHTTPAnnounce(%q) error %v, want ErrMalformed", in, err)
		}
	}
	if _, err := ParseHTTPAnnounce(make([]byte, maxBody+1)); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("oversized body: %v", err)
	}
}

func TestParseHTTPAnnouncePeerCap(t *testing.T) {
	peers := make([]byte, 0, 6*(maxPeers+10))
	for i := range maxPeers + 10 {
		peers = append(peers, 10, byte(i>>16), byte(i>>8), byte(i), 0, 1)
	}
	resp, err := ParseHTTPAnnounce(benc(t, map[string]any{"peers": peers}))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Peers) != maxPeers {
		t.Errorf("%d peers, want %d", len(resp.Peers), maxPeers)
	}
}

func TestParseHTTPScrape(t *testing.T) {
	h1, h2 := bt.InfoHash{1}, bt.InfoHash{2}
	body := benc(t, map[string]any{"files": map[string]any{
		string(h1[:]): map[string]any{"complete": 5, "incomplete": 6, "downloaded": 7},
		string(h2[:]): map[string]any{"complete": -1, "name": "x"},
		"short":       map[string]any{"complete": 1},
	}})
	got, err := ParseHTTPScrape(body)
	if err != nil {
		t.Fatal(err)
	}
	want := map[bt.InfoHash]ScrapeResult{h1: {Complete: 5, Incomplete: 6, Downloaded: 7}, h2: {}}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for n := range len(body) {
		if _, err := ParseHTTPScrape(body[:n]); !errors.Is(err, ErrMalformed) {
			t.Errorf("prefix %d: %v", n, err)
		}
	}
	var fe *FailureError
	if _, err := ParseHTTPScrape(benc(t, map[string]any{"failure reason": "no scrape"})); !errors.As(err, &fe) || fe.Reason != "no scrape" {
		t.Errorf("failure: %v", err)
	}
	bad := benc(t, map[string]any{"files": map[string]any{string(h1[:]): "x"}})
	if _, err := ParseHTTPScrape(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("file of wrong type: %v", err)
	}
	if got, err := ParseHTTPScrape(benc(t, map[string]any{})); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{" a\tb\nc ", "a b c"},
		{"\x1b]0;title\x07", "\uFFFD]0;title\uFFFD"},
		{"bidi\u202eevil", "bidi\uFFFDevil"},
		{"\xff\xfe", "\uFFFD\uFFFD"},
		{"héllo 世界", "héllo 世界"},
		{strings.Repeat("x", maxText+10), strings.Repeat("x", maxText)},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
