package engine

import (
	"time"

	"golang.org/x/time/rate"

	"shoal/internal/wire"
)

// allocEvery is how often the upload rate is shared out among torrents.
const allocEvery = 30 * time.Second

// newLimiter returns a token bucket for bps bytes per second; zero or less
// means unlimited. burst is Config.LimitBurst.
func newLimiter(bps, burst int64) *rate.Limiter {
	l := rate.NewLimiter(rate.Inf, 0)
	setRate(l, bps, burst)
	return l
}

func setRate(l *rate.Limiter, bps, burst int64) {
	if bps <= 0 {
		l.SetLimit(rate.Inf)
		return
	}
	if burst <= 0 {
		// The burst must hold the largest block; a quarter second of
		// traffic keeps the measured rate smooth.
		burst = max(bps/4, 4*wire.MaxRequestLen)
	}
	l.SetBurst(int(burst))
	l.SetLimit(rate.Limit(bps))
}

// SetLimits changes the session's download and upload limits in bytes per
// second (zero or less: unlimited) and shares the upload limit out again.
func (s *Session) SetLimits(down, up int64) {
	s.mu.Lock()
	s.cfg.DownLimit, s.cfg.UpLimit = down, up
	s.mu.Unlock()
	setRate(s.down, down, s.cfg.LimitBurst)
	setRate(s.up, up, s.cfg.LimitBurst)
	s.allocate()
}

// Limits returns the download and upload limits (0: unlimited).
func (s *Session) Limits() (down, up int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.DownLimit, s.cfg.UpLimit
}

// allocate gives each torrent that is uploading an equal share of the
// upload limit: U = Umax / Fn. A torrent that starts uploading between two
// allocations shares the global bucket until the next one.
func (s *Session) allocate() {
	s.mu.Lock()
	umax := s.cfg.UpLimit
	ts := make([]*Torrent, 0, len(s.torrents))
	for _, t := range s.torrents {
		ts = append(ts, t)
	}
	s.mu.Unlock()
	var uploading []*Torrent
	for _, t := range ts {
		if t.uploading() {
			uploading = append(uploading, t)
		} else {
			setRate(t.up, 0, 0)
		}
	}
	for _, t := range uploading {
		if umax <= 0 {
			setRate(t.up, 0, 0)
		} else {
			setRate(t.up, umax/int64(len(uploading)), s.cfg.LimitBurst)
		}
	}
}

func (s *Session) allocLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(allocEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
			s.allocate()
		}
	}
}

// uploading reports whether some peer of t is unchoked and interested, or
// data went out recently.
func (t *Torrent) uploading() bool {
	st := t.Stats(true)
	if st.UpRate > 0 {
		return true
	}
	for _, p := range st.Peers {
		if !p.AmChoking && p.PeerInterested {
			return true
		}
	}
	return false
}

// UpLimit is the torrent's current share of the upload limit (0:
// unlimited).
func (t *Torrent) UpLimit() int64 {
	l := t.up.Limit()
	if l == rate.Inf {
		return 0
	}
	return int64(l)
}
