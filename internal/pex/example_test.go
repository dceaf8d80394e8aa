package pex_test

import (
	"fmt"
	"net/netip"
	"time"

	"shoal/internal/pex"
)

func Example() {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s := pex.New(pex.Config{})
	s.Join(1, pex.Contact{Addr: netip.MustParseAddrPort("192.0.2.1:6881"), Reachable: true})
	s.Join(2, pex.Contact{Addr: netip.MustParseAddrPort("192.0.2.2:6881"), Seed: true})
	s.Enable(now, 1) // peer 1 announced ut_pex in its extension handshake

	for _, o := range s.Due(now.Add(2 * time.Second)) {
		fmt.Println("to", o.To, "added", len(o.Msg.Added), o.Msg.Added[0].Addr, "seed", o.Msg.Added[0].Seed)
	}

	got := s.Receive(now.Add(3*time.Second), 1, pex.Message{Added: []pex.Contact{
		{Addr: netip.MustParseAddrPort("192.0.2.2:6881")}, // already connected
		{Addr: netip.MustParseAddrPort("198.51.100.7:51413")},
		{Addr: netip.MustParseAddrPort("224.0.0.1:6881")}, // multicast
	}})
	for _, c := range got {
		fmt.Println("dial", c.Addr)
	}
	// Output:
	// to 1 added 1 192.0.2.2:6881 seed true
	// dial 198.51.100.7:51413
}
