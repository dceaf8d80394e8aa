package client

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"shoal/internal/bt"
)

// httpAnnounceURL returns the announce URL for req: the tracker's URL with
// its own query kept (private trackers keep passkeys there) and the
// announce parameters of BEP 3 and BEP 23 added.
func httpAnnounceURL(u *url.URL, req Request) string {
	var q strings.Builder
	q.WriteString(u.RawQuery)
	param := func(k, v string) {
		if q.Len() > 0 {
			q.WriteByte('&')
		}
		q.WriteString(k)
		q.WriteByte('=')
		q.WriteString(v)
	}
	param("info_hash", escapeBytes(req.InfoHash[:]))
	param("peer_id", escapeBytes(req.PeerID[:]))
	param("port", strconv.Itoa(int(req.Port)))
	param("uploaded", strconv.FormatInt(max(req.Uploaded, 0), 10))
	param("downloaded", strconv.FormatInt(max(req.Downloaded, 0), 10))
	param("left", strconv.FormatInt(max(req.Left, 0), 10))
	if req.NoCompact {
		param("compact", "0")
	} else {
		param("compact", "1")
	}
	param("no_peer_id", "1")
	if n := req.numWant(); n >= 0 {
		param("numwant", strconv.Itoa(int(n)))
	}
	param("key", fmt.Sprintf("%08X", req.Key))
	if e := req.Event.String(); e != "" {
		param("event", e)
	}
	if req.TrackerID != "" {
		param("trackerid", escapeBytes([]byte(req.TrackerID)))
	}
	if req.IP.IsValid() {
		param("ip", escapeBytes([]byte(req.IP.Unmap().String())))
	}
	rendezvousParams(req.Rendezvous, param)
	v := *u
	v.RawQuery = q.String()
	return v.String()
}

// httpScrapeURL derives the scrape URL from an announce URL as BEP 48
// says: the last path element must begin with "announce", which becomes
// "scrape". The query is kept and one info_hash parameter added per hash.
func httpScrapeURL(u *url.URL, hashes []bt.InfoHash) (string, error) {
	v := *u
	var ok bool
	if v.Path, ok = announceToScrape(v.Path); !ok {
		return "", fmt.Errorf("%w: %s", ErrScrapeUnsupported, displayURL(u))
	}
	if v.RawPath != "" {
		if v.RawPath, ok = announceToScrape(v.RawPath); !ok {
			return "", fmt.Errorf("%w: %s", ErrScrapeUnsupported, displayURL(u))
		}
	}
	var q strings.Builder
	q.WriteString(u.RawQuery)
	for _, h := range hashes {
		if q.Len() > 0 {
			q.WriteByte('&')
		}
		q.WriteString("info_hash=")
		q.WriteString(escapeBytes(h[:]))
	}
	v.RawQuery = q.String()
	return v.String(), nil
}

func announceToScrape(p string) (string, bool) {
	i := strings.LastIndexByte(p, '/')
	dir, last := p[:i+1], p[i+1:]
	rest, ok := strings.CutPrefix(last, "announce")
	if !ok {
		return "", false
	}
	return dir + "scrape" + rest, true
}

// escapeBytes percent-encodes every byte except the unreserved characters
// of RFC 3986, which is what trackers expect for raw 20-byte values.
func escapeBytes(b []byte) string {
	const hex = "0123456789ABCDEF"
	var s strings.Builder
	s.Grow(3 * len(b))
	for _, c := range b {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			s.WriteByte(c)
			continue
		}
		s.WriteByte('%')
		s.WriteByte(hex[c>>4])
		s.WriteByte(hex[c&15])
	}
	return s.String()
}
