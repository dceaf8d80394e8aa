package client

import (
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"

	"shoal/internal/bencode"
)

// Rendezvous is how a peer can be reached through the rendezvous routers
// when its address cannot be dialed (it is behind a NAT): its node ID and,
// optionally, its home router as "ID@HOST:PORT" (40 hex digits, then the
// router's address). It travels as the announce parameters "rendezvous"
// and "router" and comes back in the "rendezvous" key of the reply, which
// other trackers and clients ignore. HTTP announces only: a UDP announce
// (BEP 15) has no room for it.
type Rendezvous struct {
	ID     [20]byte
	Router string
}

// IsZero reports whether r says nothing.
func (r Rendezvous) IsZero() bool { return r.ID == [20]byte{} }

// RendezvousPeer is a peer of an announce reply with its rendezvous
// contact; Addr is the address the tracker gave for it.
type RendezvousPeer struct {
	Addr netip.AddrPort
	Rendezvous
}

// Limits of the rendezvous contact.
const (
	// MaxRouterContact is the longest router contact accepted: the ID,
	// "@", and a host name of up to 253 bytes with its port.
	MaxRouterContact = 40 + 1 + 253 + 1 + 5
)

// ValidRouterContact reports whether s is a router contact
// "ID@HOST:PORT": a 40-hex-digit ID, a host of letters, digits, '.', '-',
// '_' or ':' (an IPv6 address in brackets), and a port from 1 to 65535.
func ValidRouterContact(s string) bool {
	if len(s) > MaxRouterContact {
		return false
	}
	id, addr, ok := strings.Cut(s, "@")
	if !ok || len(id) != 40 {
		return false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return false
	}
	i := strings.LastIndexByte(addr, ':')
	if i <= 0 {
		return false
	}
	host, port := addr[:i], addr[i+1:]
	if len(host) > 253 {
		return false
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || port[0] == '0' {
		return false
	}
	if host[0] == '[' {
		a, err := netip.ParseAddr(strings.TrimSuffix(host[1:], "]"))
		return err == nil && a.Is6() && a.Zone() == "" && strings.HasSuffix(host, "]")
	}
	for _, c := range []byte(host) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// rendezvousParams appends the announce parameters of r.
func rendezvousParams(r Rendezvous, param func(k, v string)) {
	if r.IsZero() {
		return
	}
	param("rendezvous", hex.EncodeToString(r.ID[:]))
	if ValidRouterContact(r.Router) {
		param("router", escapeBytes([]byte(r.Router)))
	}
}

// rendezvousDict is one entry of the "rendezvous" reply key.
type rendezvousDict struct {
	ID     bencode.RawMessage `bencode:"id"`
	Peer   bencode.RawMessage `bencode:"peer"`
	Router bencode.RawMessage `bencode:"router"`
}

// parseRendezvous decodes the "rendezvous" key: a list of dictionaries
// {id: 20 bytes, peer: compact address (6 or 18 bytes), router: contact}.
// It is an extension, so anything malformed is skipped rather than
// failing the announce; the router is dropped if it is not a valid
// contact, and at most maxPeers entries are kept.
func parseRendezvous(raw bencode.RawMessage) []RendezvousPeer {
	if len(raw) == 0 || raw[0] != 'l' {
		return nil
	}
	var list []bencode.RawMessage
	if err := bencode.Unmarshal(raw, &list); err != nil {
		return nil
	}
	var out []RendezvousPeer
	for _, e := range list {
		if len(out) >= maxPeers {
			break
		}
		var d rendezvousDict
		if len(e) == 0 || e[0] != 'd' || bencode.Unmarshal(e, &d) != nil {
			continue
		}
		id, ok := rawString(d.ID)
		if !ok || len(id) != 20 || id == string(make([]byte, 20)) {
			continue
		}
		var p RendezvousPeer
		copy(p.ID[:], id)
		if b, ok := rawString(d.Peer); ok {
			p.Addr = compactAddr([]byte(b))
		}
		if r, ok := rawString(d.Router); ok && ValidRouterContact(r) {
			p.Router = r
		}
		out = append(out, p)
	}
	return out
}

// compactAddr decodes one compact address of 6 or 18 bytes; anything else
// gives the zero AddrPort.
func compactAddr(b []byte) netip.AddrPort {
	var l peerList
	if len(b) != 6 && len(b) != 18 {
		return netip.AddrPort{}
	}
	if l.addCompact(b, len(b) == 18) != nil || len(l.peers) != 1 {
		return netip.AddrPort{}
	}
	return l.peers[0]
}
