package registry_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

func Example() {
	t := registry.NewTable(registry.Config{PeerTTL: time.Hour}, rand.New(rand.NewPCG(1, 1)))
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h := bt.InfoHash{1}
	seed := registry.AnnounceParams{InfoHash: h, PeerID: bt.PeerID{1}, Addr: netip.MustParseAddrPort("192.0.2.1:6881"), Left: 0}
	leech := registry.AnnounceParams{InfoHash: h, PeerID: bt.PeerID{2}, Addr: netip.MustParseAddrPort("192.0.2.2:6881"), Left: 100, NumWant: 50}

	if _, err := t.Announce(now, seed, nil); err != nil {
		fmt.Println(err)
	}
	res, err := t.Announce(now, leech, nil)
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println(res.Seeders, res.Leechers, res.Peers[0].Addr)
	fmt.Println(t.Expire(now.Add(time.Hour)), "expired")
	// Output:
	// 1 1 192.0.2.1:6881
	// 2 expired
}
