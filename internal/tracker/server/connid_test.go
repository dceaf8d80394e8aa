package server

import (
	"net/netip"
	"testing"
	"time"
)

// TestIDCache checks that the cache of verified ids answers exactly as a
// fresh check does, over the periods an id lives and beyond.
func TestIDCache(t *testing.T) {
	ids := newConnIDs([]byte("secret"))
	k := newIDCache()
	a := netip.MustParseAddrPort("192.0.2.1:1000")
	b := netip.MustParseAddrPort("192.0.2.2:1000")
	id := ids.make(t0, a)
	for _, tt := range []struct {
		after time.Duration
		addr  netip.AddrPort
		id    uint64
	}{
		{0, a, id}, {0, a, id}, {0, a, id + 1}, {0, b, id},
		{connIDPeriod, a, id}, {connIDPeriod, a, id}, {connIDPeriod, b, id},
		{2 * connIDPeriod, a, id}, {2 * connIDPeriod, a, id},
		{-connIDPeriod, a, id},
	} {
		now := t0.Add(tt.after)
		want := ids.valid(now, tt.addr, tt.id)
		if got := k.valid(ids, now, tt.addr, tt.id); got != want {
			t.Errorf("after %v, %v, id %x: cached check %v, fresh %v", tt.after, tt.addr, tt.id, got, want)
		}
	}
	if !k.valid(ids, t0, netip.MustParseAddrPort("[::ffff:192.0.2.1]:5"), id) {
		t.Error("mapped address of the same host refused")
	}
}
