package cli

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"shoal/internal/bencode"
	"shoal/internal/engine"
	"shoal/internal/magnet"
	"shoal/internal/metainfo"
)

// metadataFor returns the torrent of a magnet link: from the copy saved by
// an earlier run, or fetched from peers (BEP 9) and saved for next time.
func metadataFor(ctx context.Context, e env, o *netOptions, s *engine.Session, m metainfo.Magnet, dir string) (*metainfo.MetaInfo, error) {
	saved := filepath.Join(dir, stateDir, m.InfoHash.String()+".torrent")
	if _, err := os.Stat(saved); err == nil {
		return loadTorrent(saved)
	}
	var tiers [][]string
	for _, tr := range m.Trackers {
		tiers = append(tiers, []string{tr})
	}
	peers := append([]netip.AddrPort(nil), o.peers...)
	for _, p := range m.Peers {
		if ap, err := netip.ParseAddrPort(p); err == nil {
			peers = append(peers, ap)
		}
	}
	if len(tiers) == 0 && len(peers) == 0 {
		return nil, usagef("the magnet link names no tracker and no peer (x.pe): add --peer IP:PORT")
	}
	p := newProgress(e.stderr, o.quiet)
	p.update("fetching the torrent's metadata from peers...")
	info, err := magnet.Fetch(ctx, magnet.Config{
		InfoHash: m.InfoHash,
		PeerID:   s.PeerID(),
		Port:     s.Port(),
		Trackers: tiers,
		Peers:    peers,
		Dial:     s.Dial,
		Tracker:  s.Tracker(),
		Logger:   o.logger(e.stderr),
	})
	p.clear()
	if err != nil {
		return nil, err
	}
	torrent := struct {
		Announce     string             `bencode:"announce,omitempty"`
		AnnounceList [][]string         `bencode:"announce-list,omitempty"`
		Info         bencode.RawMessage `bencode:"info"`
	}{Info: info}
	if len(m.Trackers) > 0 {
		torrent.Announce = m.Trackers[0]
		if len(tiers) > 1 {
			torrent.AnnounceList = tiers
		}
	}
	data, err := bencode.Marshal(torrent)
	if err != nil {
		return nil, fmt.Errorf("magnet: %w", err)
	}
	mi, err := metainfo.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("metadata from peers: %w", err)
	}
	if mi.InfoHash != m.InfoHash {
		return nil, fmt.Errorf("metadata from peers has info hash %v, want %v", mi.InfoHash, m.InfoHash)
	}
	if err := os.MkdirAll(filepath.Dir(saved), 0o755); err == nil {
		_ = os.WriteFile(saved, data, 0o644)
	}
	fmt.Fprintf(e.stdout, "metadata: %s, %d files (saved to %s)\n", mi.Info.Name, len(mi.Info.FileList()), saved)
	return mi, nil
}
