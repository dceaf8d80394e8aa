package registry

import (
	"math/rand/v2"
	"time"

	"shoal/internal/bt"
)

// Config configures a Table or a Registry.
type Config struct {
	// PeerTTL is how long a peer stays listed without announcing.
	// Zero means DefaultPeerTTL.
	PeerTTL time.Duration

	// TrackChanges makes the table remember what changed since the last
	// TakeChanges, for a store.
	TrackChanges bool

	// SeenResolution is how stale the last-seen time a store holds may get.
	// A re-announce that changes nothing else a restart needs (the peer
	// joins or leaves, its peer id, its role, its completed event) is
	// handed to the store only when the last-seen time last handed over is
	// at least this old, so that steady re-announces cost no write. A
	// restored peer then expires at most this much early; keep it below
	// PeerTTL minus the announce interval. Zero hands over every announce.
	SeenResolution time.Duration
}

// DefaultPeerTTL is the peer lifetime used when Config.PeerTTL is zero:
// two default announce intervals plus a minute.
const DefaultPeerTTL = 61 * time.Minute

type swarm struct {
	fam       [2]family // IPv4, IPv6
	completed uint64
	rdv       map[endpointKey]Rendezvous // see rendezvous.go
}

func (s *swarm) counts() (seeders, leechers int) {
	for i := range s.fam {
		seeders += s.fam[i].seeders
		leechers += s.fam[i].len() - s.fam[i].seeders
	}
	return seeders, leechers
}

func (s *swarm) empty() bool { return s.fam[0].len() == 0 && s.fam[1].len() == 0 }

type dirtyKey struct {
	hash bt.InfoHash
	ep   endpointKey
}

// Table is one shard of swarm state. It is not safe for concurrent use.
type Table struct {
	ttl    time.Duration
	res    int64 // SeenResolution in ns
	rng    *rand.Rand
	swarms map[bt.InfoHash]*swarm
	peers  int

	track bool
	// dirty holds every entry changed since the last TakeChanges; for an
	// entry removed, the time its removal covers (unix ns), else zero.
	dirty     map[dirtyKey]int64
	completed map[bt.InfoHash]uint64
}

// NewTable returns an empty table that draws random peer selections from rng.
func NewTable(cfg Config, rng *rand.Rand) *Table {
	ttl := cfg.PeerTTL
	if ttl <= 0 {
		ttl = DefaultPeerTTL
	}
	t := &Table{
		ttl:    ttl,
		res:    int64(max(cfg.SeenResolution, 0)),
		rng:    rng,
		swarms: make(map[bt.InfoHash]*swarm),
		track:  cfg.TrackChanges,
	}
	if t.track {
		t.dirty = make(map[dirtyKey]int64)
		t.completed = make(map[bt.InfoHash]uint64)
	}
	return t
}

// Len returns the number of swarms and of peers in the table.
func (t *Table) Len() (swarms, peers int) { return len(t.swarms), t.peers }

func (t *Table) markDirty(h bt.InfoHash, k endpointKey, removedAt int64) {
	if t.track {
		t.dirty[dirtyKey{h, k}] = removedAt
	}
}

// Announce records one announce made at now and returns the peers to give
// back. Peers in the result are appended to dst[:0].
func (t *Table) Announce(now time.Time, p AnnounceParams, dst []Endpoint) (AnnounceResult, error) {
	res, f, i, err := t.record(now, p)
	res.Peers = dst[:0]
	if f != nil {
		res.Peers = f.sample(res.Peers, t.sampleFrom(f, i), i, &f.peers[i], p.NumWant, t.rng)
	}
	return res, err
}

// AnnounceCompact is Announce returning the peers as compact strings
// appended to dst: 6 bytes each (BEP 23) for an IPv4 announcer, 18 (BEP 7)
// for an IPv6 one. The result's Peers is nil.
func (t *Table) AnnounceCompact(now time.Time, p AnnounceParams, dst []byte) (AnnounceResult, []byte, error) {
	res, f, i, err := t.record(now, p)
	if f != nil {
		dst = f.sampleCompact(dst, t.sampleFrom(f, i), i, &f.peers[i], p.NumWant, t.rng)
	}
	return res, dst, err
}

// sampleFrom returns the first slot peer i may be given: seeders get only
// leechers.
func (t *Table) sampleFrom(f *family, i int) int {
	if i < f.seeders {
		return f.seeders
	}
	return 0
}

// record applies an announce and returns the counts, and the family and
// slot of the announcer to sample peers for (nil when there are none to
// give: a stopped announce or an error).
func (t *Table) record(now time.Time, p AnnounceParams) (AnnounceResult, *family, int, error) {
	var res AnnounceResult
	addr, ok := normalize(p.Addr)
	if !ok {
		return res, nil, 0, ErrInvalidAddr
	}
	k := keyOf(addr)
	s := t.swarms[p.InfoHash]
	if s == nil {
		if p.Event == EventStopped {
			return res, nil, 0, nil
		}
		s = &swarm{}
		t.swarms[p.InfoHash] = s
	}
	f := &s.fam[familyOf(addr)]
	i, found := f.lookup(k)

	if p.Event == EventStopped {
		if found {
			t.removeAt(p.InfoHash, f, i, now.UnixNano())
		}
		res.Seeders, res.Leechers = s.counts()
		res.Completed = s.completed
		t.dropIfIdle(p.InfoHash, s)
		return res, nil, 0, nil
	}

	seen := now.UnixNano()
	var changed bool // something a restart needs changed
	if found {
		e := &f.peers[i]
		if e.id != p.PeerID {
			f.setID(i, p.PeerID)
			e.counted = false
			changed = true
		}
		e.uploaded, e.downloaded = p.Uploaded, p.Downloaded
		e.lastSeen = seen
		changed = changed || e.seeder() != (p.Left == 0) || t.res == 0 || seen-e.stored >= t.res
		i = f.setLeft(i, p.Left)
	} else {
		i = f.insert(entry{
			id:         p.PeerID,
			ep:         k,
			lastSeen:   seen,
			uploaded:   p.Uploaded,
			downloaded: p.Downloaded,
			left:       p.Left,
		})
		t.peers++
		changed = true
	}
	self := &f.peers[i]
	if p.Event == EventCompleted && !self.counted {
		self.counted = true
		s.completed++
		if t.track {
			t.completed[p.InfoHash]++
		}
		changed = true
	}
	if !p.Rendezvous.IsZero() && s.rdv[k] != p.Rendezvous {
		t.setRendezvous(s, k, p.Rendezvous)
		changed = true
	}
	if changed {
		self.stored = seen
		t.markDirty(p.InfoHash, k, 0)
	}
	res.Seeders, res.Leechers = s.counts()
	res.Completed = s.completed
	res.Rendezvous = len(s.rdv)
	return res, f, i, nil
}

// removeAt removes entry i; the removal covers the entry's states up to
// the time at (unix ns).
func (t *Table) removeAt(h bt.InfoHash, f *family, i int, at int64) {
	t.markDirty(h, f.peers[i].ep, at)
	t.forgetRendezvous(h, f.peers[i].ep)
	f.remove(i)
	t.peers--
}

// dropIfIdle forgets a swarm that has neither peers nor history.
func (t *Table) dropIfIdle(h bt.InfoHash, s *swarm) {
	if s.empty() && s.completed == 0 {
		delete(t.swarms, h)
	}
}

// Scrape returns the counters of one swarm; an unknown swarm has all zeros.
func (t *Table) Scrape(h bt.InfoHash) SwarmStats {
	st := SwarmStats{InfoHash: h}
	if s := t.swarms[h]; s != nil {
		st.Seeders, st.Leechers = s.counts()
		st.Completed = s.completed
	}
	return st
}

// Expire removes every peer whose last announce is at least the peer TTL
// before now, and returns how many were removed.
func (t *Table) Expire(now time.Time) int {
	cutoff := now.Add(-t.ttl).UnixNano()
	n := 0
	for h, s := range t.swarms {
		for fi := range s.fam {
			f := &s.fam[fi]
			for i := f.len() - 1; i >= 0; i-- {
				if f.peers[i].lastSeen <= cutoff {
					t.removeAt(h, f, i, f.peers[i].lastSeen)
					n++
				}
			}
		}
		t.dropIfIdle(h, s)
	}
	return n
}

// Stats appends the counters of every swarm to dst.
func (t *Table) Stats(dst []SwarmStats) []SwarmStats {
	for h, s := range t.swarms {
		st := SwarmStats{InfoHash: h, Completed: s.completed}
		st.Seeders, st.Leechers = s.counts()
		dst = append(dst, st)
	}
	return dst
}

// Export appends a full copy of every swarm to dst.
func (t *Table) Export(dst []SwarmState) []SwarmState {
	for h, s := range t.swarms {
		st := SwarmState{InfoHash: h, Completed: s.completed}
		st.Peers = make([]Peer, 0, s.fam[0].len()+s.fam[1].len())
		for fi := range s.fam {
			for i := range s.fam[fi].peers {
				st.Peers = append(st.Peers, s.fam[fi].peers[i].peer())
				st.Peers[len(st.Peers)-1].Rendezvous = s.rdv[s.fam[fi].peers[i].ep]
			}
		}
		dst = append(dst, st)
	}
	return dst
}
