package engine

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"shoal/internal/tracker/client"
)

// Announce timing.
const (
	announceRetryMin = 15 * time.Second
	announceRetryMax = 5 * time.Minute
	defaultNumWant   = 80
)

// trackerStatus is what the last announce said, for display.
type trackerStatus struct {
	URL      string
	Err      error
	Peers    int
	Seeders  int
	Leechers int
	Last     time.Time
	Next     time.Time
}

func (t *Torrent) announceLoop() {
	defer t.wg.Done()
	if len(t.spec.Trackers) == 0 {
		return
	}
	tiers := client.NewTiers(t.spec.Trackers, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
	event := client.Started
	wasComplete := t.isComplete()
	retry := announceRetryMin
	for {
		url, resp, err := tiers.Announce(t.ctx, t.s.cfg.Tracker, t.announceRequest(event))
		if t.ctx.Err() != nil {
			return
		}
		var wait time.Duration
		t.mu.Lock()
		t.tracker.Last = time.Now()
		t.tracker.Err = err
		if err != nil {
			wait = retry
			retry = min(2*retry, announceRetryMax)
		} else {
			retry = announceRetryMin
			event = client.None
			t.tracker.URL = url
			t.tracker.Peers = len(resp.Peers)
			t.tracker.Seeders, t.tracker.Leechers = resp.Complete, resp.Incomplete
			t.addCandidates(resp.Peers, "tracker")
			t.addRendezvousPeers(resp.Rendezvous, "tracker")
			wait = resp.Interval
			if wait <= 0 {
				wait = 30 * time.Minute
			}
			if resp.MinInterval > 0 && len(t.peers) < 5 && !t.st.Complete() {
				wait = max(resp.MinInterval, time.Minute)
			}
		}
		t.tracker.Next = time.Now().Add(wait)
		t.mu.Unlock()
		if err != nil {
			t.log.Warn("announce failed", "err", err, "retry", wait)
		}
		t.dialMore()
		timer := time.NewTimer(wait)
		var done <-chan struct{}
		if !wasComplete {
			done = t.completed
		}
		select {
		case <-t.ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-done:
			timer.Stop()
			wasComplete = true
			event = client.Completed
		}
	}
}

func (t *Torrent) isComplete() bool {
	select {
	case <-t.completed:
		return true
	default:
		return false
	}
}

func (t *Torrent) announceRequest(ev client.Event) client.Request {
	t.mu.Lock()
	st := t.st.Stats(time.Now(), false)
	t.mu.Unlock()
	return client.Request{
		InfoHash:   t.spec.InfoHash,
		PeerID:     t.s.cfg.PeerID,
		Port:       uint16(t.s.port),
		Uploaded:   st.Uploaded,
		Downloaded: st.Downloaded,
		Left:       st.Left,
		Event:      ev,
		NumWant:    defaultNumWant,
		Key:        t.s.key,
		Rendezvous: t.s.rendezvousContact(),
	}
}

// announceStopped tells the trackers we left, bounded by ctx.
func (t *Torrent) announceStopped(ctx context.Context) {
	if len(t.spec.Trackers) == 0 {
		return
	}
	t.mu.Lock()
	url := t.tracker.URL
	ok := t.tracker.Err == nil && url != ""
	t.mu.Unlock()
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := t.s.cfg.Tracker.Announce(ctx, url, t.announceRequest(client.Stopped)); err != nil && !errors.Is(err, context.Canceled) {
		t.log.Debug("stopped announce", "err", err)
	}
}
