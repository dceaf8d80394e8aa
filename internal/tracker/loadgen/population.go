package loadgen

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"

	"shoal/internal/bt"
)

// Population limits.
const (
	MaxTorrents = 1 << 24
	MaxPeers    = 1 << 31

	// PortsPerTorrent is how many distinct ports the peers of one torrent
	// use; a torrent with more peers than this from one source address
	// repeats endpoints, and a tracker counts those peers once.
	PortsPerTorrent = 65536 - firstPort
	firstPort       = 1024
)

// Population is a synthetic set of peers spread over a set of torrents.
// Peer i belongs to torrent i mod Torrents, so every torrent gets the same
// number of peers (within one), and is the (i div Torrents)th peer of its
// torrent; every fourth peer of each torrent is a seeder. Everything
// about a peer is a function of its index, so two runs over the same
// population announce the same peers.
type Population struct {
	torrents int
	peers    int
	hashes   []bt.InfoHash
	escaped  []string // percent-encoded info hashes, for HTTP
}

// NewPopulation returns peers peers over torrents torrents.
func NewPopulation(torrents, peers int) (*Population, error) {
	if torrents < 1 || torrents > MaxTorrents {
		return nil, fmt.Errorf("loadgen: torrents %d: want 1 to %d", torrents, MaxTorrents)
	}
	if peers < 1 || peers > MaxPeers {
		return nil, fmt.Errorf("loadgen: peers %d: want 1 to %d", peers, MaxPeers)
	}
	p := &Population{
		torrents: torrents,
		peers:    peers,
		hashes:   make([]bt.InfoHash, torrents),
		escaped:  make([]string, torrents),
	}
	var buf []byte
	for t := range torrents {
		p.hashes[t] = sha1.Sum(strconv.AppendInt(append(buf[:0], "shoal loadgen torrent "...), int64(t), 10))
		p.escaped[t] = percentEncode(p.hashes[t][:])
	}
	return p, nil
}

// Torrents returns the number of torrents.
func (p *Population) Torrents() int { return p.torrents }

// Peers returns the number of peers.
func (p *Population) Peers() int { return p.peers }

// InfoHash returns the info hash of torrent t (0 <= t < Torrents).
func (p *Population) InfoHash(t int) bt.InfoHash { return p.hashes[t] }

// WriteWhitelist writes the info hash of every torrent as 40 lower-case hex
// digits, one per line: the whitelist format of opentracker.
func (p *Population) WriteWhitelist(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var line [41]byte
	line[40] = '\n'
	for _, h := range p.hashes {
		hex.Encode(line[:40], h[:])
		if _, err := bw.Write(line[:]); err != nil {
			return fmt.Errorf("loadgen: whitelist: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("loadgen: whitelist: %w", err)
	}
	return nil
}

// Peer is one member of a Population.
type Peer struct {
	Index   int
	Torrent int
	ID      bt.PeerID
	Port    uint16
	Left    int64 // 0 for a seeder
}

// Peer returns peer i (0 <= i < Peers).
func (p *Population) Peer(i int) Peer {
	var id bt.PeerID
	copy(id[:], "-LG0001-")
	n := uint64(i)
	for j := len(id) - 1; j >= 8; j-- {
		id[j] = '0' + byte(n%10)
		n /= 10
	}
	left := int64(1 << 30)
	if (i/p.torrents)%4 == 0 {
		left = 0
	}
	return Peer{
		Index:   i,
		Torrent: i % p.torrents,
		ID:      id,
		Port:    uint16(firstPort + (i/p.torrents)%PortsPerTorrent),
		Left:    left,
	}
}

func percentEncode(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 3*len(b))
	for _, c := range b {
		out = append(out, '%', digits[c>>4], digits[c&15])
	}
	return string(out)
}
