package router

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"shoal/internal/rendezvous/proto"
)

// errViolation marks a frame a connection must not send; the connection
// is closed.
var errViolation = errors.New("router: protocol violation")

type pairState uint8

const (
	stLookup     pairState = iota // asking federated routers where the target is
	stAnswer                      // waiting for the target to accept
	stForward                     // waiting for the target's router
	stIntroduced                  // both sides know each other; relay may follow
)

// pair is one connect attempt, from request until the peers report a
// direct link, a relay starts, or PairTTL passes.
type pair struct {
	token    proto.Token
	state    pairState
	deadline time.Time
	started  time.Time

	req, tgt proto.ID
	reqReq   uint64   // the requester's Req, when it is local
	reqSess  *session // local requester
	reqFed   *session // router of a remote requester (the target is local)
	tgtFed   *session // router of a remote target (the requester is local)
	reqEP    endpoint
	upgrade  proto.Token // the relayed link this pair would replace, if any

	relayDialer bool // this router dials the router-to-router relay leg
	dialing     bool
	legs        map[proto.ID]*leg // relay legs of local peers
	routerLeg   *leg              // relay leg from or to the other router
}

// remote is the other router of a cross-cluster pair, or nil.
func (p *pair) remote() *session {
	if p.reqFed != nil {
		return p.reqFed
	}
	return p.tgtFed
}

// local reports whether id is a side of p registered here.
func (p *pair) local(id proto.ID) bool {
	switch id {
	case p.req:
		return p.reqSess != nil
	case p.tgt:
		return p.tgtFed == nil
	}
	return false
}

func (p *pair) closeLegs() {
	for _, l := range p.legs {
		l.finish()
	}
	if p.routerLeg != nil {
		p.routerLeg.finish()
	}
}

type lookup struct {
	query   uint64
	started time.Time
	asked   int
	denied  int
	waiting []proto.Token
}

type cached struct {
	router  proto.ID
	expires time.Time
}

// core is the router's state and decisions. Its methods run under the
// Router's mutex and never block: they only queue frames on sessions.
type core struct {
	cfg  *Config
	self proto.ID
	m    *metrics

	peers   table
	feds    map[proto.ID]*session
	pairs   map[proto.Token]*pair
	lookups map[proto.ID]*lookup
	cache   map[proto.ID]cached
	perIP   map[netip.Addr]int

	peerLim   *buckets[proto.ID]
	targetLim *buckets[proto.ID]
	regLim    *buckets[netip.Addr]
	nextQuery uint64
	lastSweep time.Time
}

func newCore(cfg *Config, m *metrics) *core {
	l := cfg.Limits
	return &core{
		cfg: cfg, self: proto.KeyID(cfg.Key), m: m,
		peers: table{}, feds: map[proto.ID]*session{}, pairs: map[proto.Token]*pair{},
		lookups: map[proto.ID]*lookup{}, cache: map[proto.ID]cached{}, perIP: map[netip.Addr]int{},
		peerLim:   newBuckets[proto.ID](l.ConnectRate, l.ConnectBurst),
		targetLim: newBuckets[proto.ID](l.TargetRate, l.TargetBurst),
		regLim:    newBuckets[netip.Addr](l.RegisterRate, l.RegisterBurst),
	}
}

// find looks id up in the routing table. The lookup is timed for the
// metrics only; nothing depends on the time.
func (c *core) find(id proto.ID) *session {
	start := time.Now()
	s := c.peers.lookup(id)
	c.m.tableLookup(time.Since(start))
	return s
}

// admit checks the registration limits for a connection from ip before
// its handshake.
func (c *core) admit(now time.Time, ip netip.Addr) proto.Code {
	if len(c.peers) >= c.cfg.Limits.Sessions {
		return proto.CodeBusy
	}
	if !c.regLim.allow(now, ip) {
		return proto.CodeRateLimited
	}
	return proto.CodeOK
}

// register adds an authenticated peer session, replacing an older one of
// the same ID (only the key's owner can have signed it).
func (c *core) register(s *session) proto.Code {
	ip := s.observed.Addr()
	old := c.peers.lookup(s.id)
	if old == nil && c.perIP[ip] >= c.cfg.Limits.PerIP {
		return proto.CodeBusy
	}
	if old != nil {
		c.unregister(old)
		old.close()
	}
	c.peers[s.id] = s
	c.perIP[ip]++
	c.m.sessions.Set(float64(len(c.peers)))
	return proto.CodeOK
}

func (c *core) unregister(s *session) {
	if c.peers[s.id] != s {
		return
	}
	delete(c.peers, s.id)
	ip := s.observed.Addr()
	if c.perIP[ip]--; c.perIP[ip] <= 0 {
		delete(c.perIP, ip)
	}
	c.m.sessions.Set(float64(len(c.peers)))
}

// addFed installs the federation session s and reports whether it was
// kept. Two routers that pin each other both dial; of two live sessions
// with the same router, the one dialed by the router with the lower ID
// wins on both sides, so they settle on one connection instead of each
// replacing the other's in turn.
func (c *core) addFed(s *session) bool {
	if old := c.feds[s.id]; old != nil && old != s {
		if old.outgoing != s.outgoing && old.outgoing == c.self.Less(s.id) {
			return false
		}
		old.close()
	}
	c.feds[s.id] = s
	return true
}

// federated reports whether a federation session with id is up.
func (c *core) federated(id proto.ID) bool { return c.feds[id] != nil }

func (c *core) removeFed(s *session) {
	if c.feds[s.id] == s {
		delete(c.feds, s.id)
	}
}

// peerFrame handles a frame from a registered peer.
func (c *core) peerFrame(now time.Time, s *session, f proto.Frame) error {
	switch f := f.(type) {
	case *proto.Ping:
		s.send(&proto.Pong{Seq: f.Seq})
	case *proto.Pong:
		s.pong(now, f.Seq)
	case *proto.ConnectRequest:
		c.connect(now, s, f)
	case *proto.Answer:
		c.answer(now, s, f)
	case *proto.Done:
		if p := c.pairs[f.Token]; p != nil && p.state == stIntroduced && p.local(s.id) {
			c.drop(p)
		}
	default:
		return fmt.Errorf("%w: %T from peer", errViolation, f)
	}
	return nil
}

// fedFrame handles a frame from a federated router.
func (c *core) fedFrame(now time.Time, s *session, f proto.Frame) error {
	switch f := f.(type) {
	case *proto.Ping:
		s.send(&proto.Pong{Seq: f.Seq})
	case *proto.Pong:
		s.pong(now, f.Seq)
	case *proto.Lookup:
		s.send(&proto.LookupReply{Query: f.Query, Target: f.Target, Found: c.find(f.Target) != nil})
	case *proto.LookupReply:
		c.lookupReply(now, s, f)
	case *proto.Forward:
		c.forwarded(now, s, f)
	case *proto.ForwardReply:
		c.forwardReply(now, s, f)
	default:
		return fmt.Errorf("%w: %T from router", errViolation, f)
	}
	return nil
}

func (c *core) newToken() proto.Token {
	var t proto.Token
	for {
		c.cfg.Rand(t[:])
		if _, dup := c.pairs[t]; !dup {
			return t
		}
	}
}

// connect starts a pair for a local requester.
func (c *core) connect(now time.Time, s *session, f *proto.ConnectRequest) {
	fail := func(code proto.Code) {
		s.send(&proto.ConnectFail{Req: f.Req, Code: code})
		c.m.connect(code)
	}
	switch {
	case f.Target == s.id:
		fail(proto.CodeSelf)
		return
	case !c.peerLim.allow(now, s.id), !c.targetLim.allow(now, f.Target):
		fail(proto.CodeRateLimited)
		return
	}
	p := &pair{
		token: c.newToken(), started: now, deadline: now.Add(c.cfg.ConnectTimeout),
		req: s.id, tgt: f.Target, reqReq: f.Req, reqSess: s, reqEP: s.endpoint(), upgrade: f.Upgrade,
	}
	c.pairs[p.token] = p
	c.route(now, p)
}

// route finds the target of p: here, in the lookup cache, or by asking
// every federated router.
func (c *core) route(now time.Time, p *pair) {
	if t := c.find(p.tgt); t != nil {
		c.m.lookupSeconds.Observe(0)
		p.state = stAnswer
		t.send(&proto.Incoming{Token: p.token, From: p.req, Upgrade: p.upgrade})
		return
	}
	if e, ok := c.cache[p.tgt]; ok && now.Before(e.expires) {
		if fed := c.feds[e.router]; fed != nil {
			c.forward(p, fed)
			return
		}
	}
	if len(c.feds) == 0 {
		c.finish(p, proto.CodeNotFound)
		return
	}
	p.state = stLookup
	l := c.lookups[p.tgt]
	if l == nil {
		c.nextQuery++
		l = &lookup{query: c.nextQuery, started: now, asked: len(c.feds)}
		c.lookups[p.tgt] = l
		for _, fed := range c.feds {
			fed.send(&proto.Lookup{Query: l.query, Target: p.tgt})
		}
	}
	l.waiting = append(l.waiting, p.token)
}

func (c *core) forward(p *pair, fed *session) {
	p.state = stForward
	p.tgtFed = fed
	p.relayDialer = fed.addr != ""
	fed.send(&proto.Forward{
		Token: p.token, Requester: p.req, Target: p.tgt,
		Public: p.reqEP.public, Private: p.reqEP.private, Reachable: p.reqEP.reachable,
		RTT: p.reqEP.rtt, RelayDialer: p.relayDialer, Upgrade: p.upgrade,
	})
}

// finish ends a pair that was not introduced.
func (c *core) finish(p *pair, code proto.Code) {
	if p.reqSess != nil {
		p.reqSess.send(&proto.ConnectFail{Req: p.reqReq, Code: code})
		c.m.connect(code)
	} else if p.reqFed != nil {
		p.reqFed.send(&proto.ForwardReply{Token: p.token, Code: code})
	}
	c.drop(p)
}

func (c *core) drop(p *pair) {
	p.closeLegs()
	delete(c.pairs, p.token)
}

func (c *core) lookupReply(now time.Time, fed *session, f *proto.LookupReply) {
	l := c.lookups[f.Target]
	if l == nil || l.query != f.Query {
		return
	}
	if !f.Found {
		if l.denied++; l.denied < l.asked {
			return
		}
		delete(c.lookups, f.Target)
		for _, t := range l.waiting {
			if p := c.pairs[t]; p != nil && p.state == stLookup {
				c.finish(p, proto.CodeNotFound)
			}
		}
		return
	}
	delete(c.lookups, f.Target)
	c.m.lookupSeconds.Observe(now.Sub(l.started).Seconds())
	c.cache[f.Target] = cached{router: fed.id, expires: now.Add(c.cfg.LookupTTL)}
	for _, t := range l.waiting {
		if p := c.pairs[t]; p != nil && p.state == stLookup {
			c.forward(p, fed)
		}
	}
}

// forwarded starts a pair for a remote requester and a local target.
func (c *core) forwarded(now time.Time, fed *session, f *proto.Forward) {
	reply := func(code proto.Code) { fed.send(&proto.ForwardReply{Token: f.Token, Code: code}) }
	t := c.find(f.Target)
	switch {
	case t == nil:
		reply(proto.CodeNotFound)
		return
	case c.pairs[f.Token] != nil || f.Requester == f.Target:
		reply(proto.CodeBadRequest)
		return
	case !c.peerLim.allow(now, f.Requester), !c.targetLim.allow(now, f.Target):
		reply(proto.CodeRateLimited)
		return
	}
	p := &pair{
		token: f.Token, state: stAnswer, started: now, deadline: now.Add(c.cfg.ConnectTimeout),
		req: f.Requester, tgt: f.Target, reqFed: fed,
		reqEP:       endpoint{public: f.Public, private: f.Private, reachable: f.Reachable, rtt: f.RTT},
		relayDialer: !f.RelayDialer, upgrade: f.Upgrade,
	}
	c.pairs[p.token] = p
	t.send(&proto.Incoming{Token: p.token, From: p.req, Upgrade: p.upgrade})
}

// answer handles a local target's accept or decline.
func (c *core) answer(now time.Time, s *session, f *proto.Answer) {
	p := c.pairs[f.Token]
	if p == nil || p.tgt != s.id || p.state != stAnswer || p.tgtFed != nil {
		return // late or not for this peer
	}
	if !f.Accept {
		c.finish(p, proto.CodeDeclined)
		return
	}
	tgtEP := s.endpoint()
	arrReq := p.reqEP.rtt / 2
	if p.reqFed != nil {
		arrReq += p.reqFed.RTT() / 2
	}
	dReq, dTgt := schedule(arrReq, tgtEP.rtt/2, c.cfg.SimOpenMargin)
	pl := plan(p.reqEP, tgtEP, c.cfg.Plan)
	relay := c.cfg.Relay && p.upgrade.IsZero() // an upgrade has its relay already
	s.send(&proto.Introduce{
		Token: p.token, Peer: p.req, Public: p.reqEP.public, Private: privateFor(tgtEP, p.reqEP),
		Plan: pl, Delay: dTgt, Relay: relay,
	})
	if p.reqSess != nil {
		p.reqSess.send(&proto.Introduce{
			Req: p.reqReq, Token: p.token, Peer: p.tgt, Initiator: true,
			Public: tgtEP.public, Private: privateFor(p.reqEP, tgtEP),
			Plan: pl, Delay: dReq, Relay: relay,
		})
		c.m.connect(proto.CodeOK)
	} else {
		p.reqFed.send(&proto.ForwardReply{
			Token: p.token, Code: proto.CodeOK, Public: tgtEP.public, Private: privateFor(p.reqEP, tgtEP),
			Plan: pl, Delay: dReq, Relay: relay,
		})
	}
	p.state = stIntroduced
	p.deadline = now.Add(c.cfg.PairTTL)
}

// forwardReply handles the target router's answer for a local requester.
func (c *core) forwardReply(now time.Time, fed *session, f *proto.ForwardReply) {
	p := c.pairs[f.Token]
	if p == nil || p.tgtFed != fed || p.state != stForward {
		return
	}
	if f.Code != proto.CodeOK {
		if f.Code == proto.CodeNotFound {
			delete(c.cache, p.tgt)
		}
		c.finish(p, f.Code)
		return
	}
	p.reqSess.send(&proto.Introduce{
		Req: p.reqReq, Token: p.token, Peer: p.tgt, Initiator: true,
		Public: f.Public, Private: f.Private, Plan: f.Plan, Delay: f.Delay,
		Relay: f.Relay && c.cfg.Relay && p.upgrade.IsZero(),
	})
	c.m.connect(proto.CodeOK)
	p.state = stIntroduced
	p.deadline = now.Add(c.cfg.PairTTL)
}

// tick expires pairs, lookups, cache entries and idle rate buckets.
func (c *core) tick(now time.Time) {
	for _, p := range c.pairs {
		if now.Before(p.deadline) {
			continue
		}
		if p.state == stIntroduced {
			c.drop(p)
		} else {
			c.finish(p, proto.CodeTimeout)
		}
	}
	for id, l := range c.lookups {
		if now.Sub(l.started) > c.cfg.ConnectTimeout {
			delete(c.lookups, id)
		}
	}
	for id, e := range c.cache {
		if !now.Before(e.expires) {
			delete(c.cache, id)
		}
	}
	if now.Sub(c.lastSweep) > time.Minute {
		c.lastSweep = now
		c.peerLim.sweep(now, time.Minute)
		c.targetLim.sweep(now, time.Minute)
		c.regLim.sweep(now, time.Minute)
	}
}
