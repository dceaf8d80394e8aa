package pairbench

import (
	"strings"
	"testing"
	"time"
)

// TestHundredPairsLoopback runs 100 pairs across two federated routers on
// loopback with every content profile: every pair must get a direct link,
// with the routers out of the data path, and every message an answer.
func TestHundredPairsLoopback(t *testing.T) {
	pairs := 100
	if testing.Short() {
		pairs = 20
	}
	rp, err := Run(t.Context(), Config{
		Pairs: pairs, Contents: Contents, Duration: time.Second, Seed: 1, MaxTime: 2 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rp.WriteTable(&b)
	t.Logf("\n%s", b.String())
	if len(rp.Results) != len(Contents) {
		t.Fatalf("%d results, want %d", len(rp.Results), len(Contents))
	}
	for i, r := range rp.Results {
		if r.Direct != pairs || r.Failed != 0 || r.Relayed != 0 {
			t.Errorf("%s: %d direct, %d relayed, %d failed, want %d direct: %v", r.Content, r.Direct, r.Relayed, r.Failed, pairs, r.Errors)
		}
		if r.RelayedBytes != 0 {
			t.Errorf("%s: routers relayed %d bytes, want 0", r.Content, r.RelayedBytes)
		}
		if r.Dropped != 0 || r.Reordered != 0 || r.Replied != r.Messages || r.Messages == 0 {
			t.Errorf("%s: %d messages, %d replied, %d dropped, %d reordered", r.Content, r.Messages, r.Replied, r.Dropped, r.Reordered)
		}
		// Later contents find the targets in the routers' lookup cache.
		if i == 0 && (r.Lookups == 0 || r.LookupAvg <= 0) {
			t.Errorf("%s: %d lookups timed by the routers, avg %v", r.Content, r.Lookups, r.LookupAvg)
		}
		if r.TableLookups < int64(pairs) {
			t.Errorf("%s: %d routing-table lookups timed, want at least %d", r.Content, r.TableLookups, pairs)
		}
	}
}

// TestPairsAtRate starts set-ups open loop: 20 pairs at 100 a second take
// about 190 ms from the first start to the last link, and the report says
// how they were paced.
func TestPairsAtRate(t *testing.T) {
	rp, err := Run(t.Context(), Config{
		Pairs: 20, Rate: 100, Duration: 200 * time.Millisecond, Drain: time.Second, Seed: 2, MaxTime: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rp.Results[0]
	if r.Direct != 20 {
		t.Fatalf("%d direct of 20: %v", r.Direct, r.Errors)
	}
	if r.SetupSpan < 190*time.Millisecond || r.SetupSpan > 10*time.Second {
		t.Errorf("set-ups spanned %v, want about 190ms", r.SetupSpan)
	}
	var b strings.Builder
	if err := rp.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"set-ups started at 100/s", "20 links in"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
	if _, err := Run(t.Context(), Config{Pairs: 1, Rate: -1}); err == nil {
		t.Error("a negative rate was accepted")
	}
}
