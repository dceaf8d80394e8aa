package client

import (
	"fmt"
	"math"
	"net/netip"

	"shoal/internal/bencode"
	"shoal/internal/bt"
)

// httpAnnounceReply is an HTTP announce reply. Every field is kept raw so
// that an optional field of the wrong type is ignored instead of failing
// the whole announce, as other clients do.
type httpAnnounceReply struct {
	FailureReason bencode.RawMessage `bencode:"failure reason"`
	Warning       bencode.RawMessage `bencode:"warning message"`
	Interval      bencode.RawMessage `bencode:"interval"`
	MinInterval   bencode.RawMessage `bencode:"min interval"`
	TrackerID     bencode.RawMessage `bencode:"tracker id"`
	Complete      bencode.RawMessage `bencode:"complete"`
	Incomplete    bencode.RawMessage `bencode:"incomplete"`
	ExternalIP    bencode.RawMessage `bencode:"external ip"`
	Peers         bencode.RawMessage `bencode:"peers"`
	Peers6        bencode.RawMessage `bencode:"peers6"`
	Rendezvous    bencode.RawMessage `bencode:"rendezvous"`
}

// peerDict is one entry of a non-compact peer list.
type peerDict struct {
	IP   bencode.RawMessage `bencode:"ip"`
	Port bencode.RawMessage `bencode:"port"`
}

// ParseHTTPAnnounce decodes the bencoded body of an HTTP announce reply.
// A "failure reason" gives a *FailureError. "peers" may be a compact
// string (BEP 23) or a list of dictionaries (BEP 3); "peers6" holds compact
// IPv6 peers (BEP 7). Peers given by host name are dropped. A missing or
// non-positive interval means 30 minutes.
func ParseHTTPAnnounce(body []byte) (Response, error) {
	if len(body) > maxBody {
		return Response{}, fmt.Errorf("%w: %d bytes", ErrBodyTooLarge, len(body))
	}
	var r httpAnnounceReply
	if err := bencode.Unmarshal(body, &r); err != nil {
		return Response{}, fmt.Errorf("%w: announce: %w", ErrMalformed, err)
	}
	if len(r.FailureReason) > 0 {
		return Response{}, failure(r.FailureReason)
	}
	var resp Response
	iv, _ := rawInt(r.Interval)
	resp.Interval = seconds(iv, defaultInterval)
	iv, _ = rawInt(r.MinInterval)
	resp.MinInterval = seconds(iv, 0)
	if id, ok := rawString(r.TrackerID); ok && len(id) <= maxTrackerID {
		resp.TrackerID = id
	}
	if w, ok := rawString(r.Warning); ok {
		resp.Warning = cleanText(w)
	}
	n, _ := rawInt(r.Complete)
	resp.Complete = clampCount(n)
	n, _ = rawInt(r.Incomplete)
	resp.Incomplete = clampCount(n)
	if s, ok := rawString(r.ExternalIP); ok {
		resp.ExternalIP = addrFromBytes([]byte(s))
	}
	var l peerList
	if err := addPeers(&l, r.Peers, false); err != nil {
		return Response{}, fmt.Errorf("%w: announce: peers: %w", ErrMalformed, err)
	}
	if err := addPeers(&l, r.Peers6, true); err != nil {
		return Response{}, fmt.Errorf("%w: announce: peers6: %w", ErrMalformed, err)
	}
	resp.Peers = l.peers
	resp.Rendezvous = parseRendezvous(r.Rendezvous)
	return resp, nil
}

// addPeers adds a "peers" or "peers6" value: a compact string or a list of
// dictionaries. An absent value adds nothing.
func addPeers(l *peerList, raw bencode.RawMessage, v6 bool) error {
	if len(raw) == 0 {
		return nil
	}
	if raw[0] != 'l' {
		var b []byte
		if err := bencode.Unmarshal(raw, &b); err != nil {
			return err
		}
		return l.addCompact(b, v6)
	}
	var list []peerDict
	if err := bencode.Unmarshal(raw, &list); err != nil {
		return err
	}
	for _, p := range list {
		ip, ok := rawString(p.IP)
		port, ok2 := rawInt(p.Port)
		if !ok || !ok2 || port <= 0 || port > math.MaxUint16 {
			continue
		}
		a, err := netip.ParseAddr(ip)
		if err != nil {
			// Some trackers send the address as raw bytes; host
			// names cannot be used without a lookup and are dropped.
			if a = addrFromBytes([]byte(ip)); !a.IsValid() {
				continue
			}
		}
		l.add(netip.AddrPortFrom(a, uint16(port)))
	}
	return nil
}

// httpScrapeReply is an HTTP scrape reply (BEP 48).
type httpScrapeReply struct {
	FailureReason bencode.RawMessage            `bencode:"failure reason"`
	Files         map[string]bencode.RawMessage `bencode:"files"`
}

type scrapeFile struct {
	Complete   bencode.RawMessage `bencode:"complete"`
	Incomplete bencode.RawMessage `bencode:"incomplete"`
	Downloaded bencode.RawMessage `bencode:"downloaded"`
}

// ParseHTTPScrape decodes the bencoded body of an HTTP scrape reply. Keys
// of "files" that are not 20 bytes long are skipped.
func ParseHTTPScrape(body []byte) (map[bt.InfoHash]ScrapeResult, error) {
	if len(body) > maxBody {
		return nil, fmt.Errorf("%w: %d bytes", ErrBodyTooLarge, len(body))
	}
	var r httpScrapeReply
	if err := bencode.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: scrape: %w", ErrMalformed, err)
	}
	if len(r.FailureReason) > 0 {
		return nil, failure(r.FailureReason)
	}
	if len(r.Files) > maxScrapeFiles {
		return nil, fmt.Errorf("%w: scrape: %d files", ErrMalformed, len(r.Files))
	}
	out := make(map[bt.InfoHash]ScrapeResult, len(r.Files))
	for k, raw := range r.Files {
		if len(k) != 20 {
			continue
		}
		var f scrapeFile
		if err := bencode.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("%w: scrape: %w", ErrMalformed, err)
		}
		var res ScrapeResult
		n, _ := rawInt(f.Complete)
		res.Complete = clampCount(n)
		n, _ = rawInt(f.Incomplete)
		res.Incomplete = clampCount(n)
		n, _ = rawInt(f.Downloaded)
		res.Downloaded = clampCount(n)
		out[bt.InfoHash([]byte(k))] = res
	}
	return out, nil
}

// failure turns a raw "failure reason" into a *FailureError.
func failure(raw bencode.RawMessage) *FailureError {
	s, ok := rawString(raw)
	if s = cleanText(s); !ok || s == "" {
		s = "(no reason given)"
	}
	return &FailureError{Reason: s}
}

func rawInt(raw bencode.RawMessage) (int64, bool) {
	var n int64
	if len(raw) == 0 || raw[0] != 'i' || bencode.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	return n, true
}

func rawString(raw bencode.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] < '0' || raw[0] > '9' || bencode.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// addrFromBytes reads a 4- or 16-byte address; other lengths give the zero
// Addr.
func addrFromBytes(b []byte) netip.Addr {
	switch len(b) {
	case 4:
		return netip.AddrFrom4([4]byte(b))
	case 16:
		return netip.AddrFrom16([16]byte(b)).Unmap()
	default:
		return netip.Addr{}
	}
}

// clampCount converts a counter to an int in [0, MaxInt32].
func clampCount(n int64) int {
	return int(min(max(n, 0), math.MaxInt32))
}
