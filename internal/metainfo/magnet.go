package metainfo

import (
	"cmp"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"shoal/internal/bt"
)

// MaxMagnetLength is the longest magnet link ParseMagnet accepts.
const MaxMagnetLength = 64 << 10

// Magnet is a BEP 9 magnet link.
type Magnet struct {
	InfoHash bt.InfoHash
	Name     string   // dn: display name, may be empty
	Trackers []string // tr
	Peers    []string // x.pe: host:port of peers to try
}

// ParseMagnet parses a magnet link. It needs exactly one distinct
// urn:btih: topic, in hex (40 digits) or base32 (32 characters); other
// topics, such as the urn:btmh: of version 2, are ignored.
func ParseMagnet(s string) (Magnet, error) {
	if len(s) > MaxMagnetLength {
		return Magnet{}, fmt.Errorf("metainfo: magnet link of %d bytes exceeds limit of %d", len(s), MaxMagnetLength)
	}
	u, err := url.Parse(s)
	if err != nil {
		return Magnet{}, fmt.Errorf("metainfo: magnet: %w", err)
	}
	if u.Scheme != "magnet" {
		return Magnet{}, fmt.Errorf("metainfo: magnet: scheme %q is not magnet", u.Scheme)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Magnet{}, fmt.Errorf("metainfo: magnet: %w", err)
	}
	var m Magnet
	found := false
	for _, xt := range q["xt"] {
		const prefix = "urn:btih:"
		if len(xt) < len(prefix) || !strings.EqualFold(xt[:len(prefix)], prefix) {
			continue
		}
		h, err := parseBTIH(xt[len(prefix):])
		if err != nil {
			return Magnet{}, err
		}
		if found && h != m.InfoHash {
			return Magnet{}, errors.New("metainfo: magnet: two different btih topics")
		}
		m.InfoHash, found = h, true
	}
	if !found {
		return Magnet{}, errors.New("metainfo: magnet: no urn:btih: topic")
	}
	m.Name = q.Get("dn")
	m.Trackers = trackers(q)
	for _, v := range q["x.pe"] {
		if v != "" {
			m.Peers = append(m.Peers, v)
		}
	}
	return m, nil
}

// trackers lists the tr values, then those of tr.1, tr.2, ... (seen in the
// wild) in numeric order, so that the result does not depend on map order.
func trackers(q url.Values) []string {
	var keys []string
	for k := range q {
		if strings.HasPrefix(k, "tr.") {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	})
	var out []string
	for _, k := range append([]string{"tr"}, keys...) {
		for _, v := range q[k] {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

func parseBTIH(s string) (bt.InfoHash, error) {
	var h bt.InfoHash
	switch len(s) {
	case 40:
		if _, err := hex.Decode(h[:], []byte(s)); err != nil {
			return h, fmt.Errorf("metainfo: magnet: btih %q: %w", s, err)
		}
	case 32:
		b, err := base32.StdEncoding.DecodeString(strings.ToUpper(s))
		if err != nil {
			return h, fmt.Errorf("metainfo: magnet: btih %q: %w", s, err)
		}
		copy(h[:], b)
	default:
		return h, fmt.Errorf("metainfo: magnet: btih %q: want 40 hex or 32 base32 characters", s)
	}
	return h, nil
}

// String returns the link with a hex info hash, then dn, tr and x.pe in
// order.
func (m Magnet) String() string {
	var b strings.Builder
	b.WriteString("magnet:?xt=urn:btih:")
	b.WriteString(m.InfoHash.String())
	if m.Name != "" {
		b.WriteString("&dn=")
		b.WriteString(url.QueryEscape(m.Name))
	}
	for _, t := range m.Trackers {
		b.WriteString("&tr=")
		b.WriteString(url.QueryEscape(t))
	}
	for _, p := range m.Peers {
		b.WriteString("&x.pe=")
		b.WriteString(url.QueryEscape(p))
	}
	return b.String()
}
