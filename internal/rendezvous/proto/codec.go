package proto

import (
	"encoding/binary"
	"net/netip"
)

// parser reads a frame body; after the first failure every read returns
// zero values and err is set.
type parser struct {
	b   []byte
	bad bool
}

func (p *parser) take(n int) []byte {
	if p.bad || n < 0 || len(p.b) < n {
		p.bad = true
		return nil
	}
	v := p.b[:n]
	p.b = p.b[n:]
	return v
}

func (p *parser) u8() uint8 {
	b := p.take(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (p *parser) u16() uint16 {
	b := p.take(2)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func (p *parser) u32() uint32 {
	b := p.take(4)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (p *parser) u64() uint64 {
	b := p.take(8)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func (p *parser) boolean() bool {
	v := p.u8()
	if v > 1 {
		p.bad = true
	}
	return v == 1
}

func (p *parser) copyTo(dst []byte) {
	copy(dst, p.take(len(dst)))
}

// str8 reads a string of at most 255 bytes.
func (p *parser) str8() string { return string(p.take(int(p.u8()))) }

// str16 reads a string of at most 65535 bytes.
func (p *parser) str16() string { return string(p.take(int(p.u16()))) }

// addr reads an address: a family byte (0 none, 4, 6), the address bytes
// and a 2-byte port.
func (p *parser) addr() netip.AddrPort {
	switch p.u8() {
	case 0:
		return netip.AddrPort{}
	case 4:
		var a [4]byte
		p.copyTo(a[:])
		return netip.AddrPortFrom(netip.AddrFrom4(a), p.u16())
	case 6:
		var a [16]byte
		p.copyTo(a[:])
		return netip.AddrPortFrom(netip.AddrFrom16(a), p.u16())
	default:
		p.bad = true
		return netip.AddrPort{}
	}
}

// end reports whether the body parsed and was consumed exactly.
func (p *parser) end() bool { return !p.bad && len(p.b) == 0 }

func appendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendStr8 writes s cut to 255 bytes.
func appendStr8(b []byte, s string) []byte {
	if len(s) > 255 {
		s = s[:255]
	}
	return append(append(b, byte(len(s))), s...)
}

// appendStr16 writes s cut to MaxText bytes.
func appendStr16(b []byte, s string) []byte {
	if len(s) > MaxText {
		s = s[:MaxText]
	}
	return append(appendU16(b, uint16(len(s))), s...)
}

func appendAddr(b []byte, a netip.AddrPort) []byte {
	ip := a.Addr()
	switch {
	case !a.IsValid():
		return append(b, 0)
	case ip.Is4():
		v := ip.As4()
		return appendU16(append(append(b, 4), v[:]...), a.Port())
	default:
		v := ip.As16()
		return appendU16(append(append(b, 6), v[:]...), a.Port())
	}
}
