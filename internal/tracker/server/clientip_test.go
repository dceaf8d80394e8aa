package server

import (
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	a := netip.MustParseAddr
	tests := []struct {
		name    string
		source  string
		xff     []string
		ip      string
		trusted []netip.Prefix
		want    string
	}{
		{name: "plain", source: "192.0.2.1", want: "192.0.2.1"},
		{name: "untrusted ip param", source: "192.0.2.1", ip: "198.51.100.9", trusted: trusted, want: "192.0.2.1"},
		{name: "untrusted xff", source: "192.0.2.1", xff: []string{"198.51.100.9"}, trusted: trusted, want: "192.0.2.1"},
		{name: "no proxies configured", source: "10.0.0.1", ip: "198.51.100.9", want: "10.0.0.1"},
		{name: "trusted ip param", source: "10.0.0.1", ip: "198.51.100.9", trusted: trusted, want: "198.51.100.9"},
		{name: "trusted xff", source: "10.0.0.1", xff: []string{"198.51.100.9"}, trusted: trusted, want: "198.51.100.9"},
		{name: "xff beats ip", source: "10.0.0.1", xff: []string{"198.51.100.9"}, ip: "203.0.113.1", trusted: trusted, want: "198.51.100.9"},
		{name: "xff chain", source: "10.0.0.1", xff: []string{"6.6.6.6, 198.51.100.9, 10.1.1.1"}, trusted: trusted, want: "198.51.100.9"},
		{name: "xff headers", source: "10.0.0.1", xff: []string{"6.6.6.6", "198.51.100.9", "10.1.1.1,10.2.2.2"}, trusted: trusted, want: "198.51.100.9"},
		{name: "xff garbage", source: "10.0.0.1", xff: []string{"198.51.100.9, junk, 10.1.1.1"}, trusted: trusted, want: "10.1.1.1"},
		{name: "xff all trusted", source: "10.0.0.1", xff: []string{"10.3.3.3, 10.1.1.1"}, trusted: trusted, want: "10.3.3.3"},
		{name: "xff v6", source: "fd00::1", xff: []string{" 2001:db8::5 "}, trusted: trusted, want: "2001:db8::5"},
		{name: "mapped source", source: "::ffff:10.0.0.1", ip: "198.51.100.9", trusted: trusted, want: "198.51.100.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ip netip.Addr
			if tt.ip != "" {
				ip = a(tt.ip)
			}
			got := clientIP(a(tt.source), tt.xff, ip, tt.trusted)
			if got != a(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
