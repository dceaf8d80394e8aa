package server

import (
	"context"
	"fmt"
	"time"

	"shoal/internal/tracker/registry"
	"shoal/internal/tracker/store"
)

// followRetry is the pause before following a shared store again after it
// failed.
const followRetry = 5 * time.Second

// load restores the stored swarms and drops peers that expired while the
// tracker was down.
func (s *Server) load(ctx context.Context) error {
	if s.cfg.Store == nil {
		return nil
	}
	swarms, err := s.cfg.Store.Load(ctx)
	if err != nil {
		return fmt.Errorf("server: load: %w", err)
	}
	for _, st := range swarms {
		s.reg.Restore(st)
	}
	expired := s.reg.Expire(s.cfg.Now())
	n, peers := s.reg.Len()
	s.log.Info("server: loaded swarms", "swarms", n, "peers", peers, "expired", expired)
	return nil
}

// expireEvery is how often expired peers are removed.
func (s *Server) expireEvery() time.Duration {
	return min(max(s.cfg.PeerTTL/8, time.Second), time.Minute)
}

// maintain expires peers and flushes changes until ctx is done.
func (s *Server) maintain(ctx context.Context) {
	expire := time.NewTicker(s.expireEvery())
	defer expire.Stop()
	var rescan <-chan time.Time
	if s.cfg.TorrentDir != "" {
		t := time.NewTicker(s.cfg.RescanInterval)
		defer t.Stop()
		rescan = t.C
	}
	var flush <-chan time.Time
	if s.cfg.Store != nil {
		t := time.NewTicker(s.cfg.FlushInterval)
		defer t.Stop()
		flush = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-expire.C:
			if n := s.reg.Expire(s.cfg.Now()); n > 0 {
				s.log.Debug("server: expired peers", "count", n)
			}
			s.limit.sweep(s.cfg.Now())
		case <-rescan:
			if err := s.Rescan(); err != nil {
				s.log.Error("server: rescan", "err", err)
			}
		case <-flush:
			if err := s.flush(ctx); err != nil {
				s.log.Error("server: flush", "err", err)
			}
		}
	}
}

// flush writes the changes collected since the previous flush. If the store
// fails, those changes are lost; each peer's next announce writes it again.
func (s *Server) flush(ctx context.Context) error {
	if s.cfg.Store == nil {
		return nil
	}
	var b registry.Batch
	s.reg.TakeChanges(&b)
	if b.Len() == 0 {
		return nil
	}
	if err := s.cfg.Store.Apply(ctx, b); err != nil {
		return fmt.Errorf("server: flush %d changes: %w", b.Len(), err)
	}
	return nil
}

// follow merges changes made by other processes sharing the store.
func (s *Server) follow(ctx context.Context, f store.Follower) {
	for {
		err := f.Follow(ctx, s.reg.Apply)
		if ctx.Err() != nil {
			return
		}
		s.log.Error("server: following store", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(followRetry):
		}
	}
}
