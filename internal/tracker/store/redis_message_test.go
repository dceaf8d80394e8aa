package store

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// appendMessage encodes m as the apply script does.
func appendMessage(dst []byte, m message) []byte {
	dst = append(dst, msgVersion)
	dst = append(dst, m.writer[:]...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(m.peers)+len(m.completed)))
	for _, c := range m.peers {
		if c.Removed {
			dst = append(dst, kindRemove)
			dst = appendPeerKey(dst, c.InfoHash, c.Peer.Addr)
			var until int64
			if !c.Peer.LastSeen.IsZero() {
				until = c.Peer.LastSeen.UnixNano()
			}
			dst = binary.BigEndian.AppendUint64(dst, uint64(until))
			continue
		}
		v := appendPeerValue(nil, c.Peer)
		if len(v) == peerValueLen {
			dst = append(dst, kindPut)
			dst = appendPeerKey(dst, c.InfoHash, c.Peer.Addr)
		} else {
			dst = append(dst, kindPutExt)
			dst = appendPeerKey(dst, c.InfoHash, c.Peer.Addr)
			dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
		}
		dst = append(dst, v...)
	}
	for _, c := range m.completed {
		dst = append(dst, kindCompleted)
		dst = append(dst, c.InfoHash[:]...)
		dst = binary.BigEndian.AppendUint64(dst, c.Delta)
		dst = binary.BigEndian.AppendUint64(dst, c.Total)
	}
	return dst
}

func sampleMessage() message {
	return message{
		writer: writerID{1, 2, 3, 4, 5, 6, 7, 8},
		peers: []registry.PeerChange{
			{InfoHash: bt.InfoHash{1}, Peer: peer(1, "10.0.0.1:6881", 0)},
			{InfoHash: bt.InfoHash{1}, Peer: peer(2, "[2001:db8::1]:1", -1)},
			removal(bt.InfoHash{2}, "10.0.0.2:2"),
			{InfoHash: bt.InfoHash{2}, Peer: registry.Peer{Addr: netip.MustParseAddrPort("10.0.0.3:3"), LastSeen: t0}, Removed: true},
		},
		completed: []completedTotal{{InfoHash: bt.InfoHash{1}, Delta: 2, Total: 9}},
	}
}

func TestParseMessage(t *testing.T) {
	want := sampleMessage()
	b := appendMessage(nil, want)
	got, err := parseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.writer != want.writer || len(got.peers) != len(want.peers) || len(got.completed) != 1 || got.completed[0] != want.completed[0] {
		t.Fatalf("got %+v", got)
	}
	for i := range want.peers {
		g, w := got.peers[i], want.peers[i]
		if g.InfoHash != w.InfoHash || g.Removed != w.Removed || !equalPeers([]registry.Peer{g.Peer}, []registry.Peer{w.Peer}) || !g.Peer.LastSeen.Equal(w.Peer.LastSeen) {
			t.Errorf("peer %d: got %+v, want %+v", i, g, w)
		}
	}
	for i := range b {
		if _, err := parseMessage(b[:i]); err == nil {
			t.Errorf("truncated message of %d bytes accepted", i)
		}
	}
	if _, err := parseMessage(append(b, 0)); err == nil {
		t.Error("trailing byte accepted")
	}
	bad := func(f func([]byte)) []byte {
		c := bytes.Clone(b)
		f(c)
		return c
	}
	for name, m := range map[string][]byte{
		"version": bad(func(c []byte) { c[0] = 2 }),
		"kind":    bad(func(c []byte) { c[msgHeaderLen] = 'X' }),
		"count":   bad(func(c []byte) { binary.BigEndian.PutUint32(c[9:], maxMessageEntries+1) }),
		"record":  bad(func(c []byte) { c[msgHeaderLen+1+peerKeyLen] = 9 }),
		"delta":   bad(func(c []byte) { c[len(c)-16] = 0xff }),
		"removal time": bad(func(c []byte) {
			c[len(c)-msgDoneLen-8] = 0x80
		}),
		"too large": make([]byte, maxMessageLen+1),
	} {
		if _, err := parseMessage(m); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if m, err := parseMessage(appendMessage(nil, message{})); err != nil || len(m.peers)+len(m.completed) != 0 {
		t.Errorf("empty message: %+v, %v", m, err)
	}
}

func FuzzChangeMessage(f *testing.F) {
	f.Add(appendMessage(nil, sampleMessage()))
	f.Add(appendMessage(nil, message{}))
	f.Add([]byte{msgVersion, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, kindRemove})
	f.Add(appendMessage(nil, message{peers: []registry.PeerChange{removal(bt.InfoHash{1}, "[::1]:1")}}))
	f.Add(appendMessage(nil, message{peers: []registry.PeerChange{{InfoHash: bt.InfoHash{1}, Peer: rdvPeer(1, "10.0.0.1:1", testRouter)}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMessage(b)
		if err != nil {
			return
		}
		if got := appendMessage(nil, m); !bytes.Equal(got, b) {
			// Entries of both kinds may come in any order; compare by
			// decoding the re-encoded form.
			m2, err := parseMessage(got)
			if err != nil || len(m2.peers) != len(m.peers) || len(m2.completed) != len(m.completed) || len(got) != len(b) {
				t.Fatalf("round trip %x -> %x (%v)", b, got, err)
			}
		}
	})
}
