package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sync"
)

// Tiers is the announce list of a torrent (BEP 12): tiers of tracker URLs
// tried in order. It remembers the tracker id each tracker returned. It is
// safe for concurrent use.
type Tiers struct {
	mu    sync.Mutex
	tiers [][]string
	ids   map[string]string // tracker id per URL
}

// NewTiers copies tiers, dropping empty URLs, repeated URLs and empty
// tiers, and shuffles each tier once with rnd as BEP 12 asks. A nil rnd
// keeps the given order.
func NewTiers(tiers [][]string, rnd *rand.Rand) *Tiers {
	t := &Tiers{ids: make(map[string]string)}
	seen := make(map[string]bool)
	for _, tier := range tiers {
		var cp []string
		for _, u := range tier {
			if u == "" || seen[u] {
				continue
			}
			seen[u] = true
			cp = append(cp, u)
		}
		if len(cp) == 0 {
			continue
		}
		if rnd != nil {
			rnd.Shuffle(len(cp), func(i, j int) { cp[i], cp[j] = cp[j], cp[i] })
		}
		t.tiers = append(t.tiers, cp)
	}
	return t
}

// List returns a copy of the tiers in their current order.
func (t *Tiers) List() [][]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([][]string, len(t.tiers))
	for i, tier := range t.tiers {
		out[i] = slices.Clone(tier)
	}
	return out
}

// Announce tries the trackers in order, tier by tier, until one answers.
// That tracker moves to the front of its tier, and the tracker id it
// returned is sent to it from then on (req.TrackerID is replaced per
// tracker). If all fail, the error joins every tracker's error, each
// prefixed with its URL without the query. A context error stops at once.
func (t *Tiers) Announce(ctx context.Context, c *Client, req Request) (string, Response, error) {
	var errs []error
	for i, tier := range t.List() {
		for _, u := range tier {
			if err := ctx.Err(); err != nil {
				errs = append(errs, err)
				return "", Response{}, errors.Join(errs...)
			}
			r := req
			t.mu.Lock()
			r.TrackerID = t.ids[u]
			t.mu.Unlock()
			resp, err := c.Announce(ctx, u, r)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", redact(u), err))
				continue
			}
			t.succeeded(i, u, resp.TrackerID)
			return u, resp, nil
		}
	}
	if len(errs) == 0 {
		return "", Response{}, errors.New("tracker: no trackers")
	}
	return "", Response{}, errors.Join(errs...)
}

// succeeded moves u to the front of tier i and records its tracker id.
func (t *Tiers) succeeded(i int, u, trackerID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if trackerID != "" {
		t.ids[u] = trackerID
	}
	if i >= len(t.tiers) {
		return
	}
	tier := t.tiers[i]
	j := slices.Index(tier, u)
	if j <= 0 {
		return
	}
	copy(tier[1:j+1], tier[:j])
	tier[0] = u
}

// redact returns a tracker URL for messages, without query or user info.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "invalid tracker URL"
	}
	return displayURL(u)
}
