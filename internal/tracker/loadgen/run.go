package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// announcer sends the announces of one worker.
type announcer interface {
	// prepare does what must precede an announce but is not part of it
	// (a UDP connect when the connection id is too old).
	prepare(ctx context.Context, deadline time.Time) error
	// announce announces peer pe and returns how many peers came back.
	announce(ctx context.Context, pe *Peer, started bool, deadline time.Time) (int, error)
	connections() int64
	close()
}

// Run performs one run and returns what it measured. It fails only if the
// configuration is invalid or the workers cannot be set up; failed
// requests are counted in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, t, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// ans[w] holds worker w's announcers: one per source it sends from.
	ans := make([][]announcer, cfg.Workers)
	defer func() {
		for _, as := range ans {
			for _, a := range as {
				a.close()
			}
		}
	}()
	for w := range ans {
		for _, src := range workerSources(cfg.Sources, w, cfg.Workers) {
			var a announcer
			if t.udp {
				u, err := newUDPAnnouncer(ctx, t.addr, src, cfg, uint64(w)<<16|uint64(len(ans[w])))
				if err != nil {
					return nil, err
				}
				a = u
			} else {
				a = newHTTPAnnouncer(t.http, src, cfg)
			}
			ans[w] = append(ans[w], a)
		}
	}

	res := &Result{Target: cfg.Target, Mode: cfg.Mode, Workers: cfg.Workers}
	parts := make([]Result, cfg.Workers)
	run := runState{cfg: cfg, start: time.Now()}
	if cfg.Duration > 0 {
		run.stopAt = run.start.Add(cfg.Duration)
	}
	var wg sync.WaitGroup
	for w := range ans {
		wg.Go(func() { run.worker(ctx, w, ans[w], &parts[w]) })
	}
	wg.Wait()
	res.Elapsed = time.Since(run.start)
	for w := range parts {
		for _, a := range ans[w] {
			parts[w].Connections += a.connections()
		}
		res.merge(&parts[w])
	}
	return res, nil
}

type runState struct {
	cfg    Config
	start  time.Time
	stopAt time.Time // zero: no duration
	issued atomic.Int64
}

// worker sends the announces of worker w: peers w, w+W, w+2W, ... in
// order (ModePopulate) or drawn at random from them (ModeRandom).
func (s *runState) worker(ctx context.Context, w int, as []announcer, res *Result) {
	cfg := s.cfg
	pop := cfg.Population
	nw := cfg.Workers
	mine := (pop.Peers() - w + nw - 1) / nw
	if mine <= 0 {
		return
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(w)))
	var period time.Duration
	var timer *time.Timer
	if cfg.Rate > 0 {
		period = time.Duration(float64(nw) / cfg.Rate * float64(time.Second))
		timer = time.NewTimer(time.Hour)
		defer timer.Stop()
	}
	// Workers start their schedules spread over one period.
	offset := period * time.Duration(w) / time.Duration(nw)
	populate := cfg.Mode == ModePopulate
	for k := 0; ; k++ {
		if ctx.Err() != nil || s.over() {
			return
		}
		var i int
		if populate {
			if k >= mine {
				return
			}
			i = w + nw*k
		} else {
			i = w + nw*rng.IntN(mine)
		}
		if cfg.Count > 0 && s.issued.Add(1) > cfg.Count {
			return
		}
		// Peer i is sent from source i mod S; with more sources than
		// workers, this worker's sources are w, w+W, w+2W, ...
		a := as[0]
		if len(as) > 1 {
			a = as[(i%len(cfg.Sources))/nw]
		}
		if err := a.prepare(ctx, time.Now().Add(cfg.Timeout)); err != nil {
			res.add(0, 0, fmt.Errorf("loadgen: connect: %w", err))
			continue
		}
		begin := time.Now()
		if period > 0 {
			due := s.start.Add(offset + time.Duration(k)*period)
			if wait := due.Sub(begin); wait > 0 {
				timer.Reset(wait)
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
			}
			begin = due
		}
		if s.over() {
			return
		}
		pe := pop.Peer(i)
		n, err := a.announce(ctx, &pe, populate, time.Now().Add(cfg.Timeout))
		res.add(n, time.Since(begin), err)
	}
}

// workerSources returns the local addresses worker w of nw sends from:
// the one invalid address (let the system choose) without sources,
// sources[w mod S] with at most nw sources, else sources w, w+nw, ...
func workerSources(sources []netip.Addr, w, nw int) []netip.Addr {
	switch {
	case len(sources) == 0:
		return []netip.Addr{{}}
	case len(sources) <= nw:
		return []netip.Addr{sources[w%len(sources)]}
	}
	var out []netip.Addr
	for s := w; s < len(sources); s += nw {
		out = append(out, sources[s])
	}
	return out
}

// over reports whether the run's duration is up.
func (s *runState) over() bool {
	return !s.stopAt.IsZero() && !time.Now().Before(s.stopAt)
}
