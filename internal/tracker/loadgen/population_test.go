package loadgen

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func TestPopulationPeers(t *testing.T) {
	p, err := NewPopulation(10, 1000)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		torrent int
		port    uint16
	}
	seen := map[key]bool{}
	ids := map[string]bool{}
	seeders := 0
	perTorrent := map[int]int{}
	for i := range p.Peers() {
		pe := p.Peer(i)
		if pe.Index != i || pe.Torrent != i%10 {
			t.Fatalf("peer %d: %+v", i, pe)
		}
		k := key{pe.Torrent, pe.Port}
		if seen[k] {
			t.Fatalf("peer %d repeats endpoint %v", i, k)
		}
		seen[k] = true
		ids[string(pe.ID[:])] = true
		for _, c := range pe.ID {
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
				t.Fatalf("peer id %q needs escaping", pe.ID)
			}
		}
		if pe.Left == 0 {
			seeders++
			perTorrent[pe.Torrent]++
		}
		if pe != p.Peer(i) {
			t.Fatal("Peer is not deterministic")
		}
	}
	for tor, n := range perTorrent {
		if n != 25 {
			t.Errorf("torrent %d has %d seeders", tor, n)
		}
	}
	if len(ids) != p.Peers() || seeders != 250 {
		t.Errorf("%d distinct ids, %d seeders", len(ids), seeders)
	}
	q, _ := NewPopulation(10, 5)
	if q.InfoHash(3) != p.InfoHash(3) || p.InfoHash(3) == p.InfoHash(4) {
		t.Error("info hashes are not a function of the torrent number")
	}
}

func TestPopulationLimits(t *testing.T) {
	for _, tc := range []struct{ torrents, peers int }{{0, 1}, {1, 0}, {MaxTorrents + 1, 1}, {1, -1}} {
		if _, err := NewPopulation(tc.torrents, tc.peers); err == nil {
			t.Errorf("NewPopulation(%d, %d) accepted", tc.torrents, tc.peers)
		}
	}
}

func TestWriteWhitelist(t *testing.T) {
	p, _ := NewPopulation(3, 3)
	var b bytes.Buffer
	if err := p.WriteWhitelist(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		h := p.InfoHash(i)
		if l != hex.EncodeToString(h[:]) {
			t.Errorf("line %d = %q", i, l)
		}
	}
}
