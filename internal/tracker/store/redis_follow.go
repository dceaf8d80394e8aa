package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// Follow timing.
const (
	followMinBackoff = 100 * time.Millisecond
	followMaxBackoff = 10 * time.Second
	// followPing is how long a quiet subscription waits before it pings
	// the server; a ping without any answer within as long again ends
	// the subscription.
	followPing = 15 * time.Second
	// subscribeTimeout bounds the wait for a subscription's confirmation.
	subscribeTimeout = 5 * time.Second
	// catchUpSlack is how long before a lost subscription catching up
	// starts: changes published shortly before the loss may not have
	// arrived, and their last-seen times are older than their publication
	// by up to a flush interval.
	catchUpSlack = time.Minute
)

// ErrClosed is returned by Follow when the store is closed.
var ErrClosed = errors.New("store: closed")

// Follow implements Follower: it hands apply the changes published by every
// store sharing this database, this one included, in the order Redis applied
// them. It returns nil when ctx is done and ErrClosed when the store is
// closed; while Redis is unreachable it keeps retrying with growing pauses.
//
// Changes published while the subscription was down are caught up by
// reading the database again: peers last seen since shortly before the loss
// are handed to apply, and completed counts that grew meanwhile grow here by
// what this process has not counted. Removals made meanwhile are not
// replayed; such peers leave when they expire.
func (r *Redis) Follow(ctx context.Context, apply func(registry.Batch)) error {
	r.mu.Lock()
	switch {
	case r.closed:
		r.mu.Unlock()
		return ErrClosed
	case r.following:
		r.mu.Unlock()
		return errors.New("store: redis: already following")
	}
	r.following = true
	sub := r.loadSub
	r.loadSub = nil
	r.sub = sub
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		if r.sub != nil {
			_ = r.sub.Close()
			r.sub = nil
		}
		r.following = false
		r.mu.Unlock()
	}()

	var lost time.Time // when the subscription was lost; zero while none is
	wait := followMinBackoff
	for {
		if sub == nil {
			var err error
			sub, err = r.resubscribe(ctx, lost, apply)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if r.isClosed() {
					return ErrClosed
				}
				r.log.Warn("store: redis: cannot follow changes", "err", err, "retry", wait)
				if !sleep(ctx, wait) {
					return nil
				}
				wait = min(2*wait, followMaxBackoff)
				continue
			}
			lost = time.Time{}
		}
		began := time.Now()
		err := r.receive(ctx, sub, apply)
		r.mu.Lock()
		if r.sub == sub {
			r.sub = nil
		}
		r.mu.Unlock()
		_ = sub.Close()
		sub = nil
		if ctx.Err() != nil {
			return nil
		}
		if r.isClosed() {
			return ErrClosed
		}
		if lost.IsZero() {
			lost = r.now()
			r.beginCatchUp()
		}
		if time.Since(began) > followMaxBackoff {
			wait = followMinBackoff
		}
		r.log.Warn("store: redis: lost the change subscription", "err", err, "retry", wait)
		if !sleep(ctx, wait) {
			return nil
		}
		wait = min(2*wait, followMaxBackoff)
	}
}

func (r *Redis) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// sleep waits for d or until ctx is done; it reports whether ctx is live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// subscribe subscribes to the change channel and waits for the confirmation,
// so that every change published afterwards reaches the subscription.
func (r *Redis) subscribe(ctx context.Context) (*redis.PubSub, error) {
	sub := r.rdb.Subscribe(ctx)
	if err := sub.Subscribe(ctx, r.channel); err != nil {
		_ = sub.Close()
		return nil, r.errorf("subscribe", err)
	}
	for {
		m, err := sub.ReceiveTimeout(ctx, subscribeTimeout)
		if err != nil {
			_ = sub.Close()
			return nil, r.errorf("subscribe", err)
		}
		if s, ok := m.(*redis.Subscription); ok && s.Kind == "subscribe" && s.Channel == r.channel {
			return sub, nil
		}
	}
}

// resubscribe subscribes again and, if changes were missed since lost,
// catches up with them.
func (r *Redis) resubscribe(ctx context.Context, lost time.Time, apply func(registry.Batch)) (*redis.PubSub, error) {
	sub, err := r.subscribe(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		_ = sub.Close()
		return nil, ErrClosed
	}
	r.sub = sub
	r.mu.Unlock()
	if !lost.IsZero() {
		if err := r.catchUp(ctx, lost, apply); err != nil {
			r.mu.Lock()
			if r.sub == sub {
				r.sub = nil
			}
			r.mu.Unlock()
			_ = sub.Close()
			return nil, err
		}
	}
	return sub, nil
}

// beginCatchUp starts counting this process's own completed increments, so
// that catchUp does not count them twice.
func (r *Redis) beginCatchUp() {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.own = make(map[bt.InfoHash]uint64)
}

// catchUp reads the database again after changes were missed since lost.
// Apply waits meanwhile, so every increment this process made is either in
// r.own or not yet in the database.
func (r *Redis) catchUp(ctx context.Context, lost time.Time, apply func(registry.Batch)) error {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	since := lost.Add(-catchUpSlack)
	peers := 0
	err := r.scan(ctx, func(chunk []registry.SwarmState) {
		var b registry.Batch
		r.mu.Lock()
		for _, st := range chunk {
			for _, p := range st.Peers {
				if !p.LastSeen.Before(since) {
					b.Peers = append(b.Peers, registry.PeerChange{InfoHash: st.InfoHash, Peer: p})
				}
			}
			known := r.totals[st.InfoHash] + r.own[st.InfoHash]
			if st.Completed > known {
				b.Completed = append(b.Completed, registry.CompletedChange{InfoHash: st.InfoHash, Delta: st.Completed - known})
			}
			if st.Completed > r.totals[st.InfoHash] {
				r.totals[st.InfoHash] = st.Completed
			}
		}
		r.mu.Unlock()
		peers += len(b.Peers)
		if b.Len() > 0 {
			apply(b)
		}
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.own = nil
	r.mu.Unlock()
	r.log.Info("store: redis: caught up with missed changes", "peers", peers)
	return nil
}

// receive hands apply the changes arriving on sub until sub fails or ctx is
// done.
func (r *Redis) receive(ctx context.Context, sub *redis.PubSub, apply func(registry.Batch)) error {
	stop := context.AfterFunc(ctx, func() { _ = sub.Close() })
	defer stop()
	pinged := false
	for {
		m, err := sub.ReceiveTimeout(ctx, followPing)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !pinged {
				pinged = true
				if err := sub.Ping(ctx); err != nil {
					return r.errorf("ping", err)
				}
				continue
			}
			return r.errorf("receive", err)
		}
		pinged = false
		switch m := m.(type) {
		case *redis.Message:
			r.handle(m.Payload, apply)
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				return r.errorf("receive", fmt.Errorf("unexpected %s", m))
			}
		}
	}
}

// handle decodes one change message and applies what this process has not
// counted yet.
func (r *Redis) handle(payload string, apply func(registry.Batch)) {
	m, err := parseMessage([]byte(payload))
	if err != nil {
		r.log.Warn("store: redis: dropped a malformed change message", "err", err)
		return
	}
	b := registry.Batch{Peers: m.peers}
	self := m.writer == r.writer
	r.mu.Lock()
	for _, c := range m.completed {
		known := r.totals[c.InfoHash]
		if c.Total <= known {
			continue
		}
		d := c.Total - known
		if self {
			// This process counted its own increments when they happened.
			d -= min(d, c.Delta)
		}
		r.totals[c.InfoHash] = c.Total
		if d > 0 {
			b.Completed = append(b.Completed, registry.CompletedChange{InfoHash: c.InfoHash, Delta: d})
		}
	}
	r.mu.Unlock()
	if b.Len() > 0 {
		apply(b)
	}
}
