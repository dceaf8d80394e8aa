package client

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"
	"unicode/utf8"
)

// checkResponse checks what every parsed announce must satisfy.
func checkResponse(t *testing.T, r Response) {
	t.Helper()
	if r.Interval <= 0 || r.Interval > maxInterval || r.MinInterval < 0 || r.MinInterval > maxInterval {
		t.Errorf("intervals %v, %v", r.Interval, r.MinInterval)
	}
	if r.Complete < 0 || r.Incomplete < 0 {
		t.Errorf("counts %d, %d", r.Complete, r.Incomplete)
	}
	if len(r.Peers) > maxPeers || len(r.TrackerID) > maxTrackerID {
		t.Errorf("%d peers, tracker id of %d bytes", len(r.Peers), len(r.TrackerID))
	}
	if len(r.Warning) > maxText || !utf8.ValidString(r.Warning) || cleanText(r.Warning) != r.Warning {
		t.Errorf("warning %q not clean", r.Warning)
	}
	if len(r.Rendezvous) > maxPeers {
		t.Errorf("%d rendezvous contacts", len(r.Rendezvous))
	}
	for _, p := range r.Rendezvous {
		if p.IsZero() || (p.Router != "" && !ValidRouterContact(p.Router)) {
			t.Errorf("rendezvous contact %+v invalid", p)
		}
	}
	seen := make(map[netip.AddrPort]bool)
	for _, p := range r.Peers {
		if p.Port() == 0 || p.Addr().IsUnspecified() || p.Addr().Is4In6() || seen[p] {
			t.Errorf("peer %v invalid or repeated", p)
		}
		seen[p] = true
	}
}

// encodeHTTPAnnounce is the bencoded form of r.
func encodeHTTPAnnounce(t *testing.T, r Response) []byte {
	var v4, v6 []string
	for _, p := range r.Peers {
		if p.Addr().Is4() {
			v4 = append(v4, p.String())
		} else {
			v6 = append(v6, p.String())
		}
	}
	m := map[string]any{
		"interval": int64(r.Interval / time.Second), "complete": r.Complete, "incomplete": r.Incomplete,
		"peers": compact(false, mapped(v4)...), "peers6": compact(true, v6...),
	}
	if r.MinInterval > 0 {
		m["min interval"] = int64(r.MinInterval / time.Second)
	}
	if r.TrackerID != "" {
		m["tracker id"] = r.TrackerID
	}
	if r.Warning != "" {
		m["warning message"] = r.Warning
	}
	if r.ExternalIP.IsValid() {
		m["external ip"] = r.ExternalIP.AsSlice()
	}
	if len(r.Rendezvous) > 0 {
		m["rendezvous"] = encodeRendezvous(r.Rendezvous)
	}
	return benc(t, m)
}

// encodeRendezvous is the "rendezvous" value for ps.
func encodeRendezvous(ps []RendezvousPeer) []any {
	var l []any
	for _, p := range ps {
		d := map[string]any{"id": string(p.ID[:])}
		if p.Addr.IsValid() {
			d["peer"] = compact(p.Addr.Addr().Is6(), p.Addr.String())
		}
		if p.Router != "" {
			d["router"] = p.Router
		}
		l = append(l, d)
	}
	return l
}

// mapped writes IPv4 peers so that compact can parse them either way.
func mapped(peers []string) []string {
	out := make([]string, len(peers))
	for i, p := range peers {
		ap := netip.MustParseAddrPort(p)
		out[i] = netip.AddrPortFrom(netip.AddrFrom16(ap.Addr().As16()), ap.Port()).String()
	}
	return out
}

func FuzzHTTPResponse(f *testing.F) {
	seeds := []map[string]any{
		{"interval": 1800, "peers": compact(false, "10.0.0.1:6881", "10.0.0.2:6882")},
		{"interval": 60, "min interval": 30, "tracker id": "x", "warning message": "w\x07",
			"peers6": compact(true, "[2001:db8::1]:1"), "external ip": "\x0a\x00\x00\x01"},
		{"peers": []any{map[string]any{"ip": "10.0.0.1", "port": 1}, map[string]any{"ip": "::1", "port": 2}}},
		{"failure reason": "nope"},
		{"interval": 60, "peers": compact(false, "198.18.0.2:6881"), "rendezvous": []any{
			map[string]any{"id": "abcdefghijklmnopqrst", "peer": compact(false, "198.18.0.2:6881"), "router": testRouter},
			map[string]any{"id": "bcdefghijklmnopqrstu", "router": "bad"},
			map[string]any{"id": "short"},
			"junk",
		}},
		{"interval": 60, "rendezvous": []any{map[string]any{"id": "abcdefghijklmnopqrst"}}},
		{"files": map[string]any{"aaaaaaaaaaaaaaaaaaaa": map[string]any{"complete": 1, "downloaded": 2}}},
	}
	for _, s := range seeds {
		f.Add(benc(f, s))
	}
	f.Add([]byte("d8:intervali-1e5:peers0:e"))
	f.Add([]byte("d5:peersld2:ip3:::14:porti1eeee"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseHTTPAnnounce(body)
		var fe *FailureError
		switch {
		case errors.As(err, &fe):
			if fe.Reason == "" || cleanText(fe.Reason) != fe.Reason {
				t.Errorf("failure reason %q", fe.Reason)
			}
		case err != nil:
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBodyTooLarge) {
				t.Errorf("error %v is not classified", err)
			}
		default:
			checkResponse(t, r)
			again, err := ParseHTTPAnnounce(encodeHTTPAnnounce(t, r))
			if err != nil {
				t.Fatalf("re-encoded response: %v", err)
			}
			if !equalResponse(r, again) {
				t.Errorf("round trip:\n %+v\n %+v", r, again)
			}
		}
		if s, err := ParseHTTPScrape(body); err == nil {
			for h, res := range s {
				if res.Complete < 0 || res.Incomplete < 0 || res.Downloaded < 0 {
					t.Errorf("%v: %+v", h, res)
				}
			}
		}
	})
}

func FuzzUDPResponse(f *testing.F) {
	f.Add(udpReply(actionConnect, 1, make([]byte, 8)), false)
	f.Add(udpReply(actionAnnounce, 1, u32s(1800, 1, 2), compact(false, "10.0.0.1:1", "10.0.0.1:1")), false)
	f.Add(udpReply(actionAnnounce, 1, u32s(1800, 1, 2), compact(true, "[2001:db8::1]:1")), true)
	f.Add(udpReply(actionScrape, 1, u32s(1, 2, 3)), false)
	f.Add(udpReply(actionError, 1, []byte("bad\x00")), false)
	f.Fuzz(func(t *testing.T, pkt []byte, v6 bool) {
		if id, err := ParseUDPConnect(pkt); err == nil {
			if got, _ := ParseUDPConnect(udpReply(actionConnect, 0, binary.BigEndian.AppendUint64(nil, id))); got != id {
				t.Errorf("connection id %#x round-trips to %#x", id, got)
			}
		}
		if r, err := ParseUDPAnnounce(pkt, v6); err == nil {
			checkResponse(t, r)
			if r.MinInterval != 0 || r.TrackerID != "" || r.Warning != "" {
				t.Errorf("UDP response with HTTP fields: %+v", r)
			}
			var peers []string
			for _, p := range r.Peers {
				if !v6 && !p.Addr().Is4() {
					t.Fatalf("IPv6 peer %v from an IPv4 tracker", p)
				}
				peers = append(peers, netip.AddrPortFrom(netip.AddrFrom16(p.Addr().As16()), p.Port()).String())
			}
			again, err := ParseUDPAnnounce(udpReply(actionAnnounce, 0,
				u32s(uint32(r.Interval/time.Second), uint32(r.Incomplete), uint32(r.Complete)), compact(v6, peers...)), v6)
			if err != nil || !equalResponse(r, again) {
				t.Errorf("round trip: %v\n %+v\n %+v", err, r, again)
			}
		}
		if res, err := ParseUDPScrape(pkt); err == nil {
			var b []byte
			for _, x := range res {
				b = append(b, u32s(uint32(x.Complete), uint32(x.Downloaded), uint32(x.Incomplete))...)
			}
			again, err := ParseUDPScrape(udpReply(actionScrape, 0, b))
			if err != nil || !slices.Equal(res, again) || len(res) > maxScrapeHashes {
				t.Errorf("round trip: %v\n %v\n %v", err, res, again)
			}
		}
		if fe, err := ParseUDPError(pkt); err == nil && cleanText(fe.Reason) != fe.Reason {
			t.Errorf("reason %q not clean", fe.Reason)
		}
	})
}
