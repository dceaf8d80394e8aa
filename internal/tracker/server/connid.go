package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"hash/maphash"
	"net/netip"
	"sync"
	"time"
)

// connIDPeriod is the lifetime unit of UDP connection ids: an id made in
// one period is accepted during that period and the next (BEP 15 asks that
// trackers accept an id for up to two minutes and clients use it for one).
const connIDPeriod = time.Minute

// connIDs makes and checks BEP 15 connection ids: HMAC-SHA256 over the
// source address, port and period, cut to 8 bytes. They cannot be made
// without the secret and are only good for the address they were sent to.
type connIDs struct {
	macs sync.Pool // *macState
}

// macState is a keyed HMAC with buffers that do not escape per call.
type macState struct {
	mac hash.Hash
	msg [16 + 2 + 8]byte
	sum [sha256.Size]byte
}

func newConnIDs(secret []byte) *connIDs {
	key := append([]byte(nil), secret...)
	return &connIDs{macs: sync.Pool{New: func() any { return &macState{mac: hmac.New(sha256.New, key)} }}}
}

func (c *connIDs) sum(addr netip.AddrPort, period int64) [8]byte {
	m := c.macs.Get().(*macState)
	// The id is bound to the source IP, not its port: clients may send
	// each request from a new socket, and NATs may change ports, while
	// proving the address is what stops spoofing and amplification.
	ip := addr.Addr().Unmap().As16()
	copy(m.msg[:16], ip[:])
	binary.BigEndian.PutUint64(m.msg[18:], uint64(period))
	m.mac.Reset()
	m.mac.Write(m.msg[:])
	out := [8]byte(m.mac.Sum(m.sum[:0])[:8])
	c.macs.Put(m)
	return out
}

func period(now time.Time) int64 { return now.Unix() / int64(connIDPeriod/time.Second) }

// make returns the connection id for addr at now.
func (c *connIDs) make(now time.Time, addr netip.AddrPort) uint64 {
	s := c.sum(addr, period(now))
	return binary.BigEndian.Uint64(s[:])
}

// valid reports whether id was made for addr in this period or the last.
func (c *connIDs) valid(now time.Time, addr netip.AddrPort, id uint64) bool {
	_, ok := c.madeIn(period(now), addr, id)
	return ok
}

// madeIn returns the period id was made in for addr, if it is p or p-1.
func (c *connIDs) madeIn(p int64, addr netip.AddrPort, id uint64) (int64, bool) {
	var got [8]byte
	binary.BigEndian.PutUint64(got[:], id)
	// Most ids are from this period: try it first and compute the previous
	// period's id only when needed. Each comparison is constant-time; which
	// period matched is no secret.
	if cur := c.sum(addr, p); subtle.ConstantTimeCompare(got[:], cur[:]) == 1 {
		return p, true
	}
	if prev := c.sum(addr, p-1); subtle.ConstantTimeCompare(got[:], prev[:]) == 1 {
		return p - 1, true
	}
	return 0, false
}

// idCacheSize is the number of recently verified ids a UDP worker keeps.
const idCacheSize = 256

// idCache remembers connection ids already verified, by source address,
// so that a client's every request does not cost two HMACs. It holds only
// ids the MAC accepted for that address, with the period they were made
// in, so a hit is exactly as valid as a fresh check. Not safe for
// concurrent use.
type idCache struct {
	seed    maphash.Seed
	entries [idCacheSize]idCacheEntry
}

type idCacheEntry struct {
	ip   [16]byte
	id   uint64
	made int64 // period
}

func newIDCache() *idCache { return &idCache{seed: maphash.MakeSeed()} }

// valid is connIDs.valid, answered from the cache when it can.
func (k *idCache) valid(c *connIDs, now time.Time, addr netip.AddrPort, id uint64) bool {
	p := period(now)
	ip := addr.Addr().Unmap().As16()
	e := &k.entries[maphash.Comparable(k.seed, ip)%idCacheSize]
	if e.ip == ip && e.id == id && (e.made == p || e.made == p-1) {
		return true
	}
	made, ok := c.madeIn(p, addr, id)
	if ok {
		*e = idCacheEntry{ip: ip, id: id, made: made}
	}
	return ok
}
