package server

import (
	"encoding/hex"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"shoal/internal/bt"
	"shoal/internal/tracker/client"
	"shoal/internal/tracker/registry"
)

func TestParseAnnounceQuery(t *testing.T) {
	h, id := ih(1), peerID(1)
	base := "info_hash=" + url.QueryEscape(string(h[:])) + "&peer_id=" + url.QueryEscape(string(id[:])) + "&port=6881"
	tests := []struct {
		name    string
		raw     string
		want    func(*announceQuery)
		wantErr string
	}{
		{name: "minimal", raw: base},
		{name: "full", raw: base + "&uploaded=1&downloaded=2&left=3&event=started&numwant=10&compact=0&no_peer_id=1&key=abc&trackerid=x&ip=192.0.2.7",
			want: func(q *announceQuery) {
				q.uploaded, q.downloaded, q.left, q.event, q.numWant = 1, 2, 3, registry.EventStarted, 10
				q.compact, q.noPeerID, q.ip = false, true, netip.MustParseAddr("192.0.2.7")
			}},
		{name: "unknown params", raw: base + "&supportcrypto=1&&=&x", want: nil},
		{name: "events", raw: base + "&event=completed", want: func(q *announceQuery) { q.event = registry.EventCompleted }},
		{name: "stopped", raw: base + "&event=stopped", want: func(q *announceQuery) { q.event = registry.EventStopped }},
		{name: "paused", raw: base + "&event=paused"},
		{name: "empty event", raw: base + "&event="},
		{name: "huge numwant", raw: base + "&numwant=99999999999999999999999", want: func(q *announceQuery) { q.numWant = numWantSaturation }},
		{name: "negative numwant", raw: base + "&numwant=-1"},
		{name: "ip hostname ignored", raw: base + "&ip=example.com"},
		{name: "ip mapped", raw: base + "&ip=%3A%3Affff%3A10.0.0.1", want: func(q *announceQuery) { q.ip = netip.MustParseAddr("10.0.0.1") }},
		{name: "escaped digits", raw: base + "&left=%31%32", want: func(q *announceQuery) { q.left = 12 }},
		{name: "max int64", raw: base + "&uploaded=9223372036854775807", want: func(q *announceQuery) { q.uploaded = 1<<63 - 1 }},

		{name: "no info_hash", raw: "peer_id=" + url.QueryEscape(string(id[:])) + "&port=1", wantErr: "missing info_hash"},
		{name: "no peer_id", raw: "info_hash=" + url.QueryEscape(string(h[:])) + "&port=1", wantErr: "missing peer_id"},
		{name: "no port", raw: strings.TrimSuffix(base, "&port=6881"), wantErr: "missing port"},
		{name: "short info_hash", raw: "info_hash=abc&" + base[strings.Index(base, "peer_id"):], wantErr: "info_hash: want 20 bytes, got 3"},
		{name: "long info_hash", raw: "info_hash=" + strings.Repeat("a", 21) + "&" + base[strings.Index(base, "peer_id"):], wantErr: "info_hash: value too long"},
		{name: "hex info_hash", raw: "info_hash=" + h.String() + "&" + base[strings.Index(base, "peer_id"):], wantErr: "info_hash: value too long"},
		{name: "bad escape", raw: "info_hash=%zz&peer_id=x&port=1", wantErr: "info_hash: bad percent escape"},
		{name: "cut escape", raw: base + "&left=%3", wantErr: "left: bad percent escape"},
		{name: "repeated info_hash", raw: base + "&info_hash=" + url.QueryEscape(string(h[:])), wantErr: "info_hash: repeated"},
		{name: "port 0", raw: strings.Replace(base, "port=6881", "port=0", 1), wantErr: "port: out of range"},
		{name: "port too big", raw: strings.Replace(base, "port=6881", "port=65536", 1), wantErr: "port: out of range"},
		{name: "port text", raw: strings.Replace(base, "port=6881", "port=http", 1), wantErr: "port: not a non-negative integer"},
		{name: "negative left", raw: base + "&left=-1", wantErr: "left: not a non-negative integer"},
		{name: "empty uploaded", raw: base + "&uploaded=", wantErr: "uploaded: empty"},
		{name: "overflow", raw: base + "&downloaded=9223372036854775808", wantErr: "downloaded: too large"},
		{name: "bad event", raw: base + "&event=exploded", wantErr: "event: unknown event"},
		{name: "bad numwant", raw: base + "&numwant=ten", wantErr: "numwant: not an integer"},
		{name: "too long", raw: base + "&x=" + strings.Repeat("a", MaxQueryLen), wantErr: "query too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAnnounceQuery(tt.raw)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := announceQuery{infoHash: h, peerID: id, port: 6881, left: -1, numWant: -1, compact: true}
			if tt.want != nil {
				tt.want(&want)
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseScrapeQuery(t *testing.T) {
	h1, h2 := ih(1), ih(2)
	q := func(hs ...bt.InfoHash) string {
		var parts []string
		for _, h := range hs {
			parts = append(parts, "info_hash="+url.QueryEscape(string(h[:])))
		}
		return strings.Join(parts, "&")
	}
	many := make([]bt.InfoHash, MaxScrapeHashes+1)
	tests := []struct {
		raw     string
		want    []bt.InfoHash
		wantErr string
	}{
		{raw: q(h1), want: []bt.InfoHash{h1}},
		{raw: q(h1, h2) + "&peer_id=x", want: []bt.InfoHash{h1, h2}},
		{raw: q(many[:MaxScrapeHashes]...), want: many[:MaxScrapeHashes]},
		{raw: "", wantErr: "missing info_hash"},
		{raw: "info_hash=abc", wantErr: "info_hash: want 20 bytes, got 3"},
		{raw: q(many...), wantErr: "more than 64 info_hash parameters"},
		{raw: q(h1) + "&x=" + strings.Repeat("a", MaxQueryLen), wantErr: "query too long"},
	}
	for i, tt := range tests {
		got, err := parseScrapeQuery(tt.raw, nil)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%d: err = %v, want %q", i, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("%d: got %d hashes, %v", i, len(got), err)
			continue
		}
		for j := range got {
			if got[j] != tt.want[j] {
				t.Errorf("%d: hash %d = %v", i, j, got[j])
			}
		}
	}
}

// encodeAnnounceQuery writes q back as a query that parses to q.
func encodeAnnounceQuery(q announceQuery) string {
	v := url.Values{
		"info_hash":  {string(q.infoHash[:])},
		"peer_id":    {string(q.peerID[:])},
		"port":       {strconv.Itoa(int(q.port))},
		"uploaded":   {strconv.FormatInt(q.uploaded, 10)},
		"downloaded": {strconv.FormatInt(q.downloaded, 10)},
		"event":      {q.event.String()},
		"numwant":    {strconv.Itoa(q.numWant)},
	}
	if q.left >= 0 {
		v.Set("left", strconv.FormatInt(q.left, 10))
	}
	if !q.compact {
		v.Set("compact", "0")
	}
	if q.noPeerID {
		v.Set("no_peer_id", "1")
	}
	if q.ip.IsValid() {
		v.Set("ip", q.ip.String())
	}
	if !q.rendezvous.IsZero() {
		v.Set("rendezvous", hex.EncodeToString(q.rendezvous.ID[:]))
	}
	if q.rendezvous.Router != "" {
		v.Set("router", q.rendezvous.Router)
	}
	return v.Encode()
}

func FuzzParseAnnounceQuery(f *testing.F) {
	h, id := ih(1), peerID(1)
	f.Add(url.Values{"info_hash": {string(h[:])}, "peer_id": {string(id[:])}, "port": {"6881"}}.Encode())
	f.Add(encodeAnnounceQuery(announceQuery{infoHash: h, peerID: id, port: 1, left: 0, numWant: 0, event: registry.EventCompleted, ip: netip.MustParseAddr("2001:db8::1")}))
	f.Add("info_hash=%zz&port=0")
	f.Add("numwant=-&left=%&event=stopped&compact=0&no_peer_id=1&ip=1.2.3.4")
	f.Add("&&&===")
	f.Add(encodeAnnounceQuery(announceQuery{infoHash: h, peerID: id, port: 1, rendezvous: registry.Rendezvous{ID: [20]byte{1}, Router: testRouter}}))
	f.Add("rendezvous=0123456789abcdef0123456789abcdef0123456z&router=x%40y%3A1")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseAnnounceQuery(raw)
		if err != nil {
			return
		}
		if q.port == 0 || q.uploaded < 0 || q.downloaded < 0 || q.left < -1 || q.numWant < -1 {
			t.Fatalf("accepted out-of-range values: %+v", q)
		}
		if r := q.rendezvous; r.Router != "" && (r.IsZero() || !client.ValidRouterContact(r.Router)) {
			t.Fatalf("accepted rendezvous contact %+v", r)
		}
		again, err := parseAnnounceQuery(encodeAnnounceQuery(q))
		if err != nil {
			t.Fatalf("re-encoded query rejected: %v", err)
		}
		if again != q {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again, q)
		}
	})
}

func FuzzParseScrapeQuery(f *testing.F) {
	h := ih(3)
	f.Add("info_hash=" + url.QueryEscape(string(h[:])))
	f.Add("info_hash=a&info_hash=%")
	f.Fuzz(func(t *testing.T, raw string) {
		hs, err := parseScrapeQuery(raw, nil)
		if err != nil {
			return
		}
		if len(hs) == 0 || len(hs) > MaxScrapeHashes {
			t.Fatalf("accepted %d hashes", len(hs))
		}
	})
}
