package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tierTracker is an HTTP tracker that fails or answers, and records the
// tracker ids it was sent.
type tierTracker struct {
	url string

	mu         sync.Mutex
	fail       bool
	hits       int
	trackerIDs []string
}

func newTierTracker(t *testing.T, fail bool, trackerID string) *tierTracker {
	tt := &tierTracker{fail: fail}
	srv := newTracker(t, func(w http.ResponseWriter, r *http.Request) {
		tt.mu.Lock()
		defer tt.mu.Unlock()
		tt.hits++
		tt.trackerIDs = append(tt.trackerIDs, r.URL.Query().Get("trackerid"))
		if tt.fail {
			w.Write(benc(t, map[string]any{"failure reason": "down"}))
			return
		}
		w.Write(benc(t, map[string]any{"interval": 60, "tracker id": trackerID, "peers": ""}))
	})
	tt.url = srv.URL + "/announce"
	return tt
}

func (tt *tierTracker) stats() (hits int, ids []string) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.hits, slices.Clone(tt.trackerIDs)
}

func (tt *tierTracker) setFail(fail bool) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.fail = fail
}

func TestTiersOrderAndPromotion(t *testing.T) {
	a := newTierTracker(t, true, "")
	b := newTierTracker(t, false, "id-b")
	c := newTierTracker(t, false, "")
	tiers := NewTiers([][]string{{a.url, b.url}, {c.url}}, nil)
	cl := newHTTPClient(t)

	u, _, err := tiers.Announce(t.Context(), cl, testRequest())
	if err != nil || u != b.url {
		t.Fatalf("announce went to %s, %v; want %s", u, err, b.url)
	}
	if got, want := tiers.List(), [][]string{{b.url, a.url}, {c.url}}; !reflect.DeepEqual(got, want) {
		t.Errorf("tiers %v, want %v", got, want)
	}

	// b is tried first now, and gets back its tracker id.
	if u, _, err = tiers.Announce(t.Context(), cl, testRequest()); err != nil || u != b.url {
		t.Fatalf("second announce went to %s, %v", u, err)
	}
	if hits, _ := a.stats(); hits != 1 {
		t.Errorf("a hit %d times, want 1", hits)
	}
	if _, ids := b.stats(); !slices.Equal(ids, []string{"", "id-b"}) {
		t.Errorf("b got tracker ids %q", ids)
	}

	// With the first tier down the second answers; tiers keep their order.
	b.setFail(true)
	if u, _, err = tiers.Announce(t.Context(), cl, testRequest()); err != nil || u != c.url {
		t.Fatalf("third announce went to %s, %v", u, err)
	}
	if got, want := tiers.List(), [][]string{{b.url, a.url}, {c.url}}; !reflect.DeepEqual(got, want) {
		t.Errorf("tiers %v, want %v", got, want)
	}
}

func TestTiersAllFail(t *testing.T) {
	a := newTierTracker(t, true, "")
	tiers := NewTiers([][]string{{a.url + "?passkey=s3cret"}, {"ftp://example.com/announce"}}, nil)
	_, _, err := tiers.Announce(t.Context(), newHTTPClient(t), testRequest())
	if err == nil {
		t.Fatal("no error")
	}
	var fe *FailureError
	if !errors.As(err, &fe) || !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("error %v does not keep both causes", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, a.url+": tracker: failure reason: down") || strings.Contains(msg, "s3cret") {
		t.Errorf("message %q", msg)
	}
	if _, _, err := NewTiers(nil, nil).Announce(t.Context(), newHTTPClient(t), testRequest()); err == nil {
		t.Error("empty tiers succeeded")
	}
}

func TestTiersContextEnds(t *testing.T) {
	a := newTierTracker(t, false, "")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := NewTiers([][]string{{a.url}}, nil).Announce(ctx, newHTTPClient(t), testRequest())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want canceled", err)
	}
	if hits, _ := a.stats(); hits != 0 {
		t.Errorf("tracker hit %d times", hits)
	}
}

func TestNewTiers(t *testing.T) {
	in := [][]string{{"a", "b", "c", "d", "e", ""}, {}, {"a", "f"}, {"g"}}
	got1 := NewTiers(in, rand.New(rand.NewPCG(7, 7))).List()
	got2 := NewTiers(in, rand.New(rand.NewPCG(7, 7))).List()
	if !reflect.DeepEqual(got1, got2) {
		t.Errorf("same seed, different order: %v %v", got1, got2)
	}
	if len(got1) != 3 || len(got1[1]) != 1 || got1[1][0] != "f" || got1[2][0] != "g" {
		t.Fatalf("tiers %v", got1)
	}
	first := slices.Sorted(slices.Values(got1[0]))
	if !slices.Equal(first, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("first tier %v is not a permutation", got1[0])
	}
	if in[0][0] != "a" || len(in[0]) != 6 {
		t.Error("input changed")
	}
	if got := NewTiers(in, nil).List(); !slices.Equal(got[0], []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("nil rand reordered: %v", got[0])
	}
}
