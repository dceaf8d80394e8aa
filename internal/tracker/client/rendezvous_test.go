package client

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const testRouter = "0123456789abcdef0123456789abcdef01234567@198.18.0.10:7000"

func TestValidRouterContact(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{testRouter, true},
		{"0123456789ABCDEF0123456789abcdef01234567@router.example-1.net:1", true},
		{"0123456789abcdef0123456789abcdef01234567@[2001:db8::1]:65535", true},
		{"0123456789abcdef0123456789abcdef01234567@198.18.0.10", false},
		{"0123456789abcdef0123456789abcdef01234567@198.18.0.10:0", false},
		{"0123456789abcdef0123456789abcdef01234567@198.18.0.10:65536", false},
		{"0123456789abcdef0123456789abcdef01234567@198.18.0.10:07000", false},
		{"0123456789abcdef0123456789abcdef01234567@:7000", false},
		{"0123456789abcdef0123456789abcdef01234567@a b:7000", false},
		{"0123456789abcdef0123456789abcdef01234567@a\n:7000", false},
		{"0123456789abcdef0123456789abcdef01234567@[fe80::1%eth0]:1", false},
		{"0123456789abcdef0123456789abcdef0123456@198.18.0.10:7000", false},
		{"0123456789abcdef0123456789abcdef0123456g@198.18.0.10:7000", false},
		{"198.18.0.10:7000", false},
		{"0123456789abcdef0123456789abcdef01234567@" + strings.Repeat("a", 254) + ":1", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidRouterContact(tt.s); got != tt.want {
			t.Errorf("ValidRouterContact(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestRendezvousAnnounceParams(t *testing.T) {
	u, _ := url.Parse("http://tracker.example/announce")
	id := [20]byte{0xab, 1, 2}
	tests := []struct {
		r    Rendezvous
		want url.Values
	}{
		{Rendezvous{}, url.Values{}},
		{Rendezvous{ID: id}, url.Values{"rendezvous": {"ab01020000000000000000000000000000000000"}}},
		{Rendezvous{ID: id, Router: testRouter}, url.Values{"rendezvous": {"ab01020000000000000000000000000000000000"}, "router": {testRouter}}},
		{Rendezvous{ID: id, Router: "bad&x=1"}, url.Values{"rendezvous": {"ab01020000000000000000000000000000000000"}}},
	}
	for _, tt := range tests {
		v, err := url.Parse(httpAnnounceURL(u, Request{Rendezvous: tt.r}))
		if err != nil {
			t.Fatal(err)
		}
		q := v.Query()
		for _, k := range []string{"rendezvous", "router"} {
			if !slices.Equal(q[k], tt.want[k]) {
				t.Errorf("%+v: %s = %q, want %q", tt.r, k, q[k], tt.want[k])
			}
		}
	}
}

func TestParseRendezvous(t *testing.T) {
	body := benc(t, map[string]any{
		"interval": 60,
		"peers":    compact(false, "198.18.0.2:6881"),
		"rendezvous": []any{
			map[string]any{"id": "abcdefghijklmnopqrst", "peer": compact(false, "198.18.0.2:6881"), "router": testRouter},
			map[string]any{"id": "bcdefghijklmnopqrstu", "peer": compact(true, "[2001:db8::1]:7"), "router": "bad"},
			map[string]any{"id": "cdefghijklmnopqrstuv", "peer": "12345"},
			map[string]any{"id": "short"},
			map[string]any{"id": string(make([]byte, 20))},
			"junk",
			map[string]any{"id": 7},
		},
	})
	r, err := ParseHTTPAnnounce(body)
	if err != nil {
		t.Fatal(err)
	}
	var a, b, c [20]byte
	copy(a[:], "abcdefghijklmnopqrst")
	copy(b[:], "bcdefghijklmnopqrstu")
	copy(c[:], "cdefghijklmnopqrstuv")
	want := []RendezvousPeer{
		{Addr: netip.MustParseAddrPort("198.18.0.2:6881"), Rendezvous: Rendezvous{ID: a, Router: testRouter}},
		{Addr: netip.MustParseAddrPort("[2001:db8::1]:7"), Rendezvous: Rendezvous{ID: b}},
		{Rendezvous: Rendezvous{ID: c}},
	}
	if !slices.Equal(r.Rendezvous, want) {
		t.Errorf("got %+v\nwant %+v", r.Rendezvous, want)
	}
	for _, bad := range []any{"x", 3, map[string]any{}} {
		r, err := ParseHTTPAnnounce(benc(t, map[string]any{"interval": 60, "rendezvous": bad}))
		if err != nil || r.Rendezvous != nil {
			t.Errorf("rendezvous %v: %v, %+v", bad, err, r.Rendezvous)
		}
	}
}
