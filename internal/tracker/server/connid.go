package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"hash"
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
	macs sync.Pool
}

func newConnIDs(secret []byte) *connIDs {
	key := append([]byte(nil), secret...)
	return &connIDs{macs: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

func (c *connIDs) sum(addr netip.AddrPort, period int64) [8]byte {
	var msg [16 + 2 + 8]byte
	ip := addr.Addr().Unmap().As16()
	copy(msg[:16], ip[:])
	binary.BigEndian.PutUint16(msg[16:], addr.Port())
	binary.BigEndian.PutUint64(msg[18:], uint64(period))
	m := c.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(msg[:])
	var full [sha256.Size]byte
	m.Sum(full[:0])
	c.macs.Put(m)
	return [8]byte(full[:8])
}

func period(now time.Time) int64 { return now.Unix() / int64(connIDPeriod/time.Second) }

// make returns the connection id for addr at now.
func (c *connIDs) make(now time.Time, addr netip.AddrPort) uint64 {
	s := c.sum(addr, period(now))
	return binary.BigEndian.Uint64(s[:])
}

// valid reports whether id was made for addr in this period or the last.
func (c *connIDs) valid(now time.Time, addr netip.AddrPort, id uint64) bool {
	var got [8]byte
	binary.BigEndian.PutUint64(got[:], id)
	p := period(now)
	cur, prev := c.sum(addr, p), c.sum(addr, p-1)
	return subtle.ConstantTimeCompare(got[:], cur[:])|subtle.ConstantTimeCompare(got[:], prev[:]) == 1
}
