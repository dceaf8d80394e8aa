package pex

import (
	"net/netip"
	"time"
)

// Receive filters the message m from the peer from and returns the contacts
// worth dialing, in message order. It returns nil when from is not enabled or
// sent its previous accepted message less than Interval/2 ago. Only the first
// MaxAdded entries of m.Added are looked at; entries without a usable address
// or rendezvous ID, repeated within the message, or belonging to a connection
// of the torrent are skipped. m.Dropped is ignored.
func (s *State) Receive(now time.Time, from Peer, m Message) []Contact {
	cn, ok := s.conns[from]
	if !ok || !cn.enabled {
		return nil
	}
	if cn.received && now.Sub(cn.lastRecv) < s.cfg.Interval/2 {
		return nil
	}
	cn.lastRecv = now
	cn.received = true

	added := m.Added
	if len(added) > s.cfg.MaxAdded {
		added = added[:s.cfg.MaxAdded]
	}
	var (
		out      []Contact
		seenAddr = make(map[netip.AddrPort]bool)
		seenRdv  = make(map[[20]byte]bool)
	)
	for _, c := range added {
		c = normalize(c)
		hasAddr := c.Addr.IsValid()
		hasRdv := c.Rendezvous != [20]byte{}
		switch {
		case !hasAddr && !hasRdv:
			continue
		case hasAddr && (seenAddr[c.Addr] || s.addrs[c.Addr] > 0):
			continue
		case hasRdv && (seenRdv[c.Rendezvous] || s.rdvs[c.Rendezvous] > 0):
			continue
		}
		if hasAddr {
			seenAddr[c.Addr] = true
		}
		if hasRdv {
			seenRdv[c.Rendezvous] = true
		}
		out = append(out, c)
	}
	return out
}
