package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"shoal/internal/bencode"
)

// ExtPEX is the name of peer exchange in the extension handshake's "m".
const ExtPEX = "ut_pex"

// Flags of an added peer (BEP 11).
const (
	PEXEncryption byte = 0x01 // prefers encryption
	PEXSeed       byte = 0x02 // upload only
	PEXUTP        byte = 0x04 // supports uTP
	PEXHolepunch  byte = 0x08 // supports ut_holepunch
	PEXReachable  byte = 0x10 // outgoing connection: the sender reached it
)

// Limits.
const (
	MaxPEXLen   = 16 << 10 // largest payload ParsePEX accepts, in bytes
	MaxPEXPeers = 200      // most entries per list (added, added6, dropped, dropped6, rendezvous) either way
)

// Sizes of the compact entries.
const (
	pexLen4  = 4 + 2  // IPv4 address and port
	pexLen6  = 16 + 2 // IPv6 address and port
	pexIDLen = 20     // rendezvous node ID
)

// PEXPeer is one added peer with its flags.
type PEXPeer struct {
	Addr  netip.AddrPort
	Flags byte
}

// PEX is the payload of a ut_pex message (BEP 11), an extended message
// sent with the id the receiver assigned to ExtPEX.
//
// On the wire each list is a compact string: 6 bytes per IPv4 peer and
// 18 per IPv6 peer (address, then big-endian port), one flags byte per
// added peer, 20 bytes per rendezvous ID.
type PEX struct {
	Added   []PEXPeer        // IPv4 ones go in "added"/"added.f", IPv6 ones in "added6"/"added6.f" (compact: 6 and 18 bytes each, one flags byte each)
	Dropped []netip.AddrPort // "dropped" / "dropped6"
	// Rendezvous lists the 20-byte node IDs of peers reachable through
	// shoal's rendezvous routers (key "rendezvous", the IDs concatenated);
	// other clients ignore the key.
	Rendezvous [][20]byte
}

// pexDict is the bencoded form of a PEX. "added", "added.f" and
// "dropped" are always written, even empty, because some clients
// expect them. Every value is a compact byte string.
type pexDict struct {
	Added      string `bencode:"added"`
	AddedF     string `bencode:"added.f"`
	Added6     string `bencode:"added6,omitempty"`
	Added6F    string `bencode:"added6.f,omitempty"`
	Dropped    string `bencode:"dropped"`
	Dropped6   string `bencode:"dropped6,omitempty"`
	Rendezvous string `bencode:"rendezvous,omitempty"`
}

// pexList is one compact string of a pexDict.
type pexList struct {
	key  string
	b    string
	size int // bytes per entry
}

// lists returns the compact strings that hold entries (not flags).
func (d *pexDict) lists() [5]pexList {
	return [5]pexList{
		{"added", d.Added, pexLen4},
		{"added6", d.Added6, pexLen6},
		{"dropped", d.Dropped, pexLen4},
		{"dropped6", d.Dropped6, pexLen6},
		{"rendezvous", d.Rendezvous, pexIDLen},
	}
}

// Marshal returns the bencoded payload, to be sent with
// AppendExtended(b, id, payload). IPv4-mapped IPv6 addresses are
// encoded as IPv4. It fails if a list on the wire would hold more than
// MaxPEXPeers entries, or for an entry ParsePEX would skip: an invalid
// address, one with a zone, an unspecified address, port 0, or the
// all-zero rendezvous ID. Its output is never longer than MaxPEXLen.
func (p PEX) Marshal() ([]byte, error) {
	var added, addedF, added6, added6F, dropped, dropped6, rendezvous []byte
	for _, peer := range p.Added {
		a, err := pexAddr(peer.Addr)
		if err != nil {
			return nil, fmt.Errorf("wire: pex: added peer: %w", err)
		}
		if a.Addr().Is4() {
			added = appendAddrPort(added, a)
			addedF = append(addedF, peer.Flags)
		} else {
			added6 = appendAddrPort(added6, a)
			added6F = append(added6F, peer.Flags)
		}
	}
	for _, ap := range p.Dropped {
		a, err := pexAddr(ap)
		if err != nil {
			return nil, fmt.Errorf("wire: pex: dropped peer: %w", err)
		}
		if a.Addr().Is4() {
			dropped = appendAddrPort(dropped, a)
		} else {
			dropped6 = appendAddrPort(dropped6, a)
		}
	}
	for _, id := range p.Rendezvous {
		if id == ([pexIDLen]byte{}) {
			return nil, errors.New("wire: pex: all-zero rendezvous ID")
		}
		rendezvous = append(rendezvous, id[:]...)
	}
	d := pexDict{
		Added:      string(added),
		AddedF:     string(addedF),
		Added6:     string(added6),
		Added6F:    string(added6F),
		Dropped:    string(dropped),
		Dropped6:   string(dropped6),
		Rendezvous: string(rendezvous),
	}
	for _, l := range d.lists() {
		if n := len(l.b) / l.size; n > MaxPEXPeers {
			return nil, fmt.Errorf("wire: pex: %d entries in %q, limit %d", n, l.key, MaxPEXPeers)
		}
	}
	b, err := bencode.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("wire: pex: %w", err)
	}
	return b, nil
}

// pexAddr checks that a is a peer address that can be sent, and returns
// it with an IPv4-mapped address unmapped.
func pexAddr(a netip.AddrPort) (netip.AddrPort, error) {
	ip := a.Addr()
	switch {
	case !ip.IsValid():
		return a, errors.New("invalid address")
	case ip.Zone() != "":
		return a, fmt.Errorf("address %v has a zone", a)
	case ip.Unmap().IsUnspecified():
		return a, fmt.Errorf("unspecified address %v", a)
	case a.Port() == 0:
		return a, fmt.Errorf("address %v has port 0", a)
	}
	return netip.AddrPortFrom(ip.Unmap(), a.Port()), nil
}

func appendAddrPort(b []byte, a netip.AddrPort) []byte {
	b = append(b, a.Addr().AsSlice()...)
	return binary.BigEndian.AppendUint16(b, a.Port())
}

// ParsePEX decodes a payload: a bencoded dictionary of at most MaxPEXLen
// bytes. Unknown keys are ignored; a known key whose value is not a
// string is an error, as is a compact string that is not a whole number
// of entries or holds more than MaxPEXPeers of them.
//
// A flags string shorter than its peer list leaves the missing flags 0.
// A longer one is accepted and its extra bytes ignored, since clients
// differ in how strictly they pair the two.
//
// Entries with port 0 or an unspecified address, and the all-zero
// rendezvous ID, are skipped. IPv4-mapped entries of "added6" and
// "dropped6" are returned as IPv4, after the entries of "added" and
// "dropped", so that Added and Dropped list IPv4 peers first, as they
// come back from Marshal; more than MaxPEXPeers IPv4 peers in Added or
// in Dropped is an error. Errors wrap ErrProtocol.
func ParsePEX(b []byte) (PEX, error) {
	var p PEX
	if len(b) > MaxPEXLen {
		return p, fmt.Errorf("wire: pex of %d bytes, limit %d: %w", len(b), MaxPEXLen, ErrProtocol)
	}
	var d pexDict
	if err := bencode.Unmarshal(b, &d); err != nil {
		return p, fmt.Errorf("wire: pex: %w: %w", ErrProtocol, err)
	}
	for _, l := range d.lists() {
		if len(l.b)%l.size != 0 {
			return p, fmt.Errorf("wire: pex %q of %d bytes, not a multiple of %d: %w",
				l.key, len(l.b), l.size, ErrProtocol)
		}
		if n := len(l.b) / l.size; n > MaxPEXPeers {
			return p, fmt.Errorf("wire: pex: %d entries in %q, limit %d: %w", n, l.key, MaxPEXPeers, ErrProtocol)
		}
	}

	var added4, added6 []PEXPeer
	addPeers := func(list, flags string, size int) {
		for i := 0; i < len(list)/size; i++ {
			a, ok := parseAddrPort(list[i*size : (i+1)*size])
			if !ok {
				continue
			}
			peer := PEXPeer{Addr: a}
			if i < len(flags) {
				peer.Flags = flags[i]
			}
			if a.Addr().Is4() {
				added4 = append(added4, peer)
			} else {
				added6 = append(added6, peer)
			}
		}
	}
	addPeers(d.Added, d.AddedF, pexLen4)
	addPeers(d.Added6, d.Added6F, pexLen6)
	if len(added4) > MaxPEXPeers {
		return PEX{}, fmt.Errorf("wire: pex: %d IPv4 peers added, limit %d: %w", len(added4), MaxPEXPeers, ErrProtocol)
	}
	p.Added = append(added4, added6...)

	var dropped4, dropped6 []netip.AddrPort
	dropPeers := func(list string, size int) {
		for i := 0; i < len(list)/size; i++ {
			a, ok := parseAddrPort(list[i*size : (i+1)*size])
			if !ok {
				continue
			}
			if a.Addr().Is4() {
				dropped4 = append(dropped4, a)
			} else {
				dropped6 = append(dropped6, a)
			}
		}
	}
	dropPeers(d.Dropped, pexLen4)
	dropPeers(d.Dropped6, pexLen6)
	if len(dropped4) > MaxPEXPeers {
		return PEX{}, fmt.Errorf("wire: pex: %d IPv4 peers dropped, limit %d: %w", len(dropped4), MaxPEXPeers, ErrProtocol)
	}
	p.Dropped = append(dropped4, dropped6...)

	for i := 0; i < len(d.Rendezvous)/pexIDLen; i++ {
		var id [pexIDLen]byte
		copy(id[:], d.Rendezvous[i*pexIDLen:])
		if id != ([pexIDLen]byte{}) {
			p.Rendezvous = append(p.Rendezvous, id)
		}
	}
	return p, nil
}

// parseAddrPort decodes one compact entry of 6 or 18 bytes, unmapping
// IPv4-mapped addresses. It reports false for an entry to skip: port 0
// or an unspecified address.
func parseAddrPort(b string) (netip.AddrPort, bool) {
	n := len(b) - 2
	var ip netip.Addr
	switch n {
	case 4:
		ip = netip.AddrFrom4([4]byte([]byte(b[:4])))
	case 16:
		ip = netip.AddrFrom16([16]byte([]byte(b[:16]))).Unmap()
	default:
		return netip.AddrPort{}, false
	}
	port := uint16(b[n])<<8 | uint16(b[n+1])
	if port == 0 || ip.IsUnspecified() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip, port), true
}
