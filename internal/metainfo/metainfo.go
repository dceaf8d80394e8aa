package metainfo

import (
	"crypto/sha1"
	"errors"
	"fmt"

	"shoal/internal/bencode"
	"shoal/internal/bt"
)

// MaxTorrentSize is the largest .torrent file Parse accepts.
const MaxTorrentSize = 64 << 20

// MetaInfo is a parsed .torrent file.
type MetaInfo struct {
	Announce     string     // tracker URL; may be empty (trackerless)
	AnnounceList [][]string // BEP 12 tiers; empty URLs and tiers dropped
	Comment      string
	CreatedBy    string
	CreationDate int64    // Unix seconds; 0 = absent
	URLList      []string // BEP 19 web seeds, kept for re-encoding
	Info         Info
	InfoBytes    []byte // exact bytes of the info dictionary
	InfoHash     bt.InfoHash
}

// torrentDict is the wire form of the top-level dictionary.
type torrentDict struct {
	Announce     string             `bencode:"announce,omitempty"`
	AnnounceList [][]string         `bencode:"announce-list,omitempty"`
	Comment      string             `bencode:"comment,omitempty"`
	CreatedBy    string             `bencode:"created by,omitempty"`
	CreationDate int64              `bencode:"creation date,omitempty"`
	URLList      urlList            `bencode:"url-list,omitempty"`
	Info         bencode.RawMessage `bencode:"info"`
}

// urlList is BEP 19's url-list: a single string or a list of strings.
type urlList []string

func (u *urlList) UnmarshalBencode(b []byte) error {
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		var s string
		if err := bencode.Unmarshal(b, &s); err != nil {
			return err
		}
		*u = nil
		if s != "" {
			*u = urlList{s}
		}
		return nil
	}
	var l []string
	if err := bencode.Unmarshal(b, &l); err != nil {
		return err
	}
	*u = nil
	for _, s := range l {
		if s != "" {
			*u = append(*u, s)
		}
	}
	return nil
}

// Parse parses and validates a .torrent file. The result does not alias
// data.
func Parse(data []byte) (*MetaInfo, error) {
	if len(data) > MaxTorrentSize {
		return nil, fmt.Errorf("metainfo: torrent of %d bytes exceeds limit of %d", len(data), MaxTorrentSize)
	}
	var d torrentDict
	if err := bencode.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	if len(d.Info) == 0 {
		return nil, errors.New("metainfo: no info dictionary")
	}
	info, err := parseInfo(d.Info)
	if err != nil {
		return nil, err
	}
	if d.CreationDate < 0 {
		return nil, fmt.Errorf("metainfo: negative creation date %d", d.CreationDate)
	}
	m := &MetaInfo{
		Announce:     d.Announce,
		AnnounceList: cleanTiers(d.AnnounceList),
		Comment:      d.Comment,
		CreatedBy:    d.CreatedBy,
		CreationDate: d.CreationDate,
		URLList:      d.URLList,
		Info:         info,
		InfoBytes:    d.Info,
		InfoHash:     sha1.Sum(d.Info),
	}
	return m, nil
}

// cleanTiers drops empty URLs and tiers.
func cleanTiers(tiers [][]string) [][]string {
	var out [][]string
	for _, tier := range tiers {
		var t []string
		for _, u := range tier {
			if u != "" {
				t = append(t, u)
			}
		}
		if len(t) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// SetInfo validates info, fills its file offsets, and stores it with its
// encoding and info hash.
func (m *MetaInfo) SetInfo(info Info) error {
	b, err := info.Encode()
	if err != nil {
		return err
	}
	parsed, err := parseInfo(b)
	if err != nil {
		return err
	}
	m.Info = parsed
	m.InfoBytes = b
	m.InfoHash = sha1.Sum(b)
	return nil
}

// Encode returns the .torrent file. The info dictionary is written from
// InfoBytes when set, so the info hash of a parsed torrent is preserved;
// with InfoBytes empty it is encoded from Info.
func (m *MetaInfo) Encode() ([]byte, error) {
	info := m.InfoBytes
	if len(info) == 0 {
		var err error
		if info, err = m.Info.Encode(); err != nil {
			return nil, err
		}
	}
	b, err := bencode.Marshal(&torrentDict{
		Announce:     m.Announce,
		AnnounceList: m.AnnounceList,
		Comment:      m.Comment,
		CreatedBy:    m.CreatedBy,
		CreationDate: m.CreationDate,
		URLList:      m.URLList,
		Info:         info,
	})
	if err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	return b, nil
}

// Tiers returns the tracker tiers: the announce-list if it is not empty,
// else a single tier holding Announce, else nil.
func (m *MetaInfo) Tiers() [][]string {
	if len(m.AnnounceList) > 0 {
		return m.AnnounceList
	}
	if m.Announce != "" {
		return [][]string{{m.Announce}}
	}
	return nil
}

// Magnet returns a magnet link for the torrent with its name and all its
// trackers.
func (m *MetaInfo) Magnet() Magnet {
	mg := Magnet{InfoHash: m.InfoHash, Name: m.Info.Name}
	seen := map[string]bool{}
	for _, tier := range m.Tiers() {
		for _, u := range tier {
			if !seen[u] {
				seen[u] = true
				mg.Trackers = append(mg.Trackers, u)
			}
		}
	}
	return mg
}
