package store

import (
	"bytes"
	"testing"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

func TestRecordRoundTrip(t *testing.T) {
	for _, p := range []struct {
		addr string
		left int64
	}{{"10.0.0.1:6881", 0}, {"[2001:db8::1]:1", -1}, {"1.2.3.4:65535", 1 << 40}} {
		want := peer(7, p.addr, p.left)
		h := bt.InfoHash{9, 8, 7}
		k := appendPeerKey(nil, h, want.Addr)
		gh, addr, err := parsePeerKey(k)
		if err != nil || gh != h || addr != want.Addr {
			t.Fatalf("key %v: %v %v %v", p.addr, gh, addr, err)
		}
		v := appendPeerValue(nil, want)
		got, err := parsePeerValue(v, addr)
		if err != nil || !equalPeers([]registry.Peer{got}, []registry.Peer{want}) {
			t.Errorf("value %v: got %+v, %v", p.addr, got, err)
		}
		for i := range v {
			if _, err := parsePeerValue(v[:i], addr); err == nil {
				t.Errorf("truncated value of %d bytes accepted", i)
			}
		}
		for i := range k {
			if _, _, err := parsePeerKey(k[:i]); err == nil {
				t.Errorf("truncated key of %d bytes accepted", i)
			}
		}
	}
}

func FuzzPeerRecord(f *testing.F) {
	p := peer(3, "10.1.2.3:4", 9)
	f.Add(appendPeerKey(nil, bt.InfoHash{1}, p.Addr), appendPeerValue(nil, p))
	f.Add([]byte{}, []byte{1})
	f.Add(appendPeerKey(nil, bt.InfoHash{1}, p.Addr), appendPeerValue(nil, rdvPeer(3, "10.1.2.3:4", testRouter)))
	f.Fuzz(func(t *testing.T, k, v []byte) {
		h, addr, err := parsePeerKey(k)
		if err != nil {
			return
		}
		if got := appendPeerKey(nil, h, addr); !bytes.Equal(got, k) {
			t.Fatalf("key round trip %x -> %x", k, got)
		}
		p, err := parsePeerValue(v, addr)
		if err != nil {
			return
		}
		if got := appendPeerValue(nil, p); !bytes.Equal(got, v) {
			t.Fatalf("value round trip %x -> %x", v, got)
		}
	})
}
