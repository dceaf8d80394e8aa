package loadgen

import (
	"math"
	"testing"
	"time"
)

func TestBucketsTileTheRange(t *testing.T) {
	prevHi := uint64(0)
	for i := range histSize {
		lo, hi := bucketRange(i)
		if i > 0 && lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d [%d, %d] maps back to %d, %d", i, lo, hi, bucketOf(lo), bucketOf(hi))
		}
		if lo >= subBuckets && float64(hi-lo+1)/float64(lo) > 1.0/64 {
			t.Fatalf("bucket %d [%d, %d] too wide", i, lo, hi)
		}
		prevHi = hi
		if hi >= math.MaxInt64 {
			return
		}
	}
	t.Fatalf("buckets end at %d, before the largest duration", prevHi)
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0, time.Microsecond},
		{0.5, 5000 * time.Microsecond},
		{0.99, 9900 * time.Microsecond},
		{1, 10000 * time.Microsecond},
	}
	for _, tt := range tests {
		got := h.Quantile(tt.q)
		if d := math.Abs(float64(got-tt.want)) / float64(tt.want); d > 0.016 {
			t.Errorf("Quantile(%v) = %v, want %v within 1.6%%", tt.q, got, tt.want)
		}
	}
	if h.Count() != 10000 || h.Min() != time.Microsecond || h.Max() != 10*time.Millisecond {
		t.Errorf("count %d min %v max %v", h.Count(), h.Min(), h.Max())
	}
	if m := h.Mean(); m != 5000500*time.Nanosecond {
		t.Errorf("mean %v", m)
	}
}

func TestHistogramMergeAndEmpty(t *testing.T) {
	var a, b, empty Histogram
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Error("empty histogram reports a value")
	}
	a.Record(time.Millisecond)
	b.Record(3 * time.Millisecond)
	b.Record(-time.Second) // counts as zero
	a.Merge(&b)
	a.Merge(&empty)
	if a.Count() != 3 || a.Min() != 0 || a.Max() != 3*time.Millisecond {
		t.Errorf("merged: count %d min %v max %v", a.Count(), a.Min(), a.Max())
	}
	if got := a.Quantile(0.5); got < 990*time.Microsecond || got > 1010*time.Microsecond {
		t.Errorf("median %v", got)
	}
	empty.Merge(&a)
	if empty.Count() != 3 || empty.Min() != 0 {
		t.Errorf("merge into empty: count %d min %v", empty.Count(), empty.Min())
	}
}
