package pex

import (
	"maps"
	"slices"
	"time"
)

// shared is the set of contacts connected now.
type shared struct {
	index map[key]int // position in list
	list  []Contact   // by lowest connection number holding the contact
	keys  []key       // keys[i] is the key of list[i]
}

// current builds the shared set from the connections.
func (s *State) current() shared {
	peers := slices.Sorted(maps.Keys(s.conns))
	cur := shared{index: make(map[key]int, len(peers))}
	for _, p := range peers {
		cn := s.conns[p]
		if !cn.shared {
			continue
		}
		i, ok := cur.index[cn.k]
		if !ok {
			cur.index[cn.k] = len(cur.list)
			cur.list = append(cur.list, cn.c)
			cur.keys = append(cur.keys, cn.k)
			continue
		}
		c := &cur.list[i]
		c.Seed = c.Seed || cn.c.Seed
		c.Reachable = c.Reachable || cn.c.Reachable
		if c.Rendezvous == ([20]byte{}) {
			c.Rendezvous = cn.c.Rendezvous
		}
	}
	return cur
}

// Due returns the messages to send now, by peer number: for each enabled
// peer whose next message is due, the difference between the contacts
// connected now and what it was last told. Peers with nothing new get no
// message; every due peer's next message is due Interval later.
func (s *State) Due(now time.Time) []Outgoing {
	var due []Peer
	for p, cn := range s.conns {
		if cn.enabled && !now.Before(cn.next) {
			due = append(due, p)
		}
	}
	if len(due) == 0 {
		return nil
	}
	slices.Sort(due)
	cur := s.current()
	var out []Outgoing
	for _, p := range due {
		cn := s.conns[p]
		cn.next = now.Add(s.cfg.Interval)
		m := s.diff(cn, cur)
		if len(m.Added) > 0 || len(m.Dropped) > 0 {
			out = append(out, Outgoing{To: p, Msg: m})
		}
	}
	return out
}

// diff returns what cn should be told next and records it as told.
func (s *State) diff(cn *conn, cur shared) Message {
	var m Message
	own := func(k key) bool { return cn.shared && k == cn.k }

	var gone []key
	for k := range cn.told {
		if _, ok := cur.index[k]; !ok || own(k) {
			gone = append(gone, k)
		}
	}
	slices.SortFunc(gone, compareKeys)
	if len(gone) > s.cfg.MaxDropped {
		gone = gone[:s.cfg.MaxDropped]
	}
	for _, k := range gone {
		m.Dropped = append(m.Dropped, cn.told[k])
		delete(cn.told, k)
	}

	for i, k := range cur.keys {
		if len(m.Added) >= s.cfg.MaxAdded || len(cn.told) >= MaxTold {
			break
		}
		if own(k) {
			continue
		}
		if _, ok := cn.told[k]; ok {
			continue
		}
		cn.told[k] = cur.list[i]
		m.Added = append(m.Added, cur.list[i])
	}
	return m
}
