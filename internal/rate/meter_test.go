package rate

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-6*math.Max(1, math.Abs(want))
}

func TestZeroMeter(t *testing.T) {
	var m Meter
	if r := m.Rate(t0); r != 0 {
		t.Fatalf("empty rate %v", r)
	}
	if m.Window() != DefaultWindow {
		t.Fatalf("window %v", m.Window())
	}
	m.Add(t0, 1000)
	if m.Total() != 1000 {
		t.Fatalf("total %d", m.Total())
	}
	if m.Window() != DefaultWindow {
		t.Fatalf("window after add %v", m.Window())
	}
}

func TestNewMeterWindow(t *testing.T) {
	tests := []struct {
		in, want time.Duration
	}{
		{0, DefaultWindow},
		{-time.Second, DefaultWindow},
		{5 * time.Second, 5 * time.Second},
		{time.Nanosecond, minWindow},
		{2 * time.Second, 2 * time.Second},
		{1500 * time.Millisecond, 1500 * time.Millisecond},
		{48 * time.Hour, time.Hour},
	}
	for _, tt := range tests {
		if got := NewMeter(tt.in).Window(); got != tt.want {
			t.Errorf("NewMeter(%v).Window() = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSteadyRate(t *testing.T) {
	tests := []struct {
		name   string
		window time.Duration
		every  time.Duration
		n      int64
		want   float64
	}{
		{"1MB/s in 16KiB blocks", 20 * time.Second, 16384 * time.Second / 1_000_000, 16384, 1_000_000},
		{"100 B every 10ms", 5 * time.Second, 10 * time.Millisecond, 100, 10_000},
		{"short window", 400 * time.Millisecond, time.Millisecond, 10, 10_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMeter(tt.window)
			var now time.Time
			for d := time.Duration(0); d < 3*tt.window; d += tt.every {
				now = at(d)
				m.Add(now, tt.n)
				if d > tt.window+tt.every {
					if r := m.Rate(now); math.Abs(r-tt.want) > 0.02*tt.want {
						t.Fatalf("at %v rate %.0f, want %.0f", d, r, tt.want)
					}
				}
			}
		})
	}
}

func TestRampAndDecay(t *testing.T) {
	m := NewMeter(10 * time.Second)
	m.Add(at(0), 0)
	// 1000 B in each of the first 5 seconds (at the start of each second).
	for s := range 5 {
		m.Add(at(time.Duration(s)*time.Second), 1000)
	}
	tests := []struct {
		now  time.Duration
		want float64
	}{
		{0, 5000.0 / 4},                              // earlier than the newest bucket: read as +4s
		{4 * time.Second, 5000.0 / 4},                // averaged over elapsed time
		{5 * time.Second, 1000},                      // 5000 B over 5 s
		{10 * time.Second, 500},                      // full window, 5000 B
		{10*time.Second + 500*time.Millisecond, 450}, // half of the oldest bucket left
		{14 * time.Second, 100},                      // only the last second's bucket remains
		{15 * time.Second, 0},
		{time.Hour, 0},
	}
	for _, tt := range tests {
		if got := m.Rate(at(tt.now)); !near(got, tt.want) {
			t.Errorf("Rate(+%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
	if m.Total() != 5000 {
		t.Fatalf("total %d", m.Total())
	}
}

func TestIdleThenResume(t *testing.T) {
	m := NewMeter(4 * time.Second)
	m.Add(at(0), 4000)
	if got := m.Rate(at(0)); !near(got, 4000/m.width.Seconds()) {
		t.Fatalf("first bucket clamped to one width: %v", got)
	}
	m.Add(at(time.Hour), 4000)
	if got := m.Rate(at(time.Hour)); !near(got, 1000) {
		t.Fatalf("after idle: %v", got)
	}
	if m.Total() != 8000 {
		t.Fatalf("total %d", m.Total())
	}
}

func TestTimeGoesBackwards(t *testing.T) {
	m := NewMeter(4 * time.Second)
	m.Add(at(3*time.Second), 100)
	m.Add(at(2*time.Second), 100) // counted in the newest bucket
	m.Add(at(-time.Minute), 100)
	if m.Total() != 300 {
		t.Fatalf("total %d", m.Total())
	}
	if r := m.Rate(at(0)); r <= 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		t.Fatalf("rate %v", r)
	}
	m.Add(at(time.Second), -5)
	if m.Total() != 300 {
		t.Fatalf("negative add counted: %d", m.Total())
	}
}

func TestRateMatchesSlowSum(t *testing.T) {
	// Events at whole bucket starts: the rate over a full window must equal
	// the plain sum of the last nb buckets plus the weighted oldest one.
	m := NewMeter(8 * time.Second)
	var events []struct {
		at time.Duration
		n  int64
	}
	for i := range 200 {
		d := time.Duration(i*i%97) * 137 * time.Millisecond
		events = append(events, struct {
			at time.Duration
			n  int64
		}{d, int64(i*31%1000 + 1)})
	}
	// Feed in time order.
	for i := 1; i < len(events); i++ {
		for j := i; j > 0 && events[j].at < events[j-1].at; j-- {
			events[j], events[j-1] = events[j-1], events[j]
		}
	}
	for _, e := range events {
		m.Add(at(e.at), e.n)
	}
	last := events[len(events)-1].at
	for _, now := range []time.Duration{last, last + 300*time.Millisecond, last + 3*time.Second} {
		cur := now / time.Second
		frac := float64(now-cur*time.Second) / float64(time.Second)
		var want float64
		for _, e := range events {
			b := e.at / time.Second
			switch {
			case b > cur-8 && b <= cur:
				want += float64(e.n)
			case b == cur-8:
				want += float64(e.n) * (1 - frac)
			}
		}
		want /= 8
		if got := m.Rate(at(now)); !near(got, want) {
			t.Errorf("Rate(+%v) = %v, want %v", now, got, want)
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	m := NewMeter(20 * time.Second)
	now := t0
	for b.Loop() {
		now = now.Add(16 * time.Microsecond)
		m.Add(now, 16384)
	}
}

func BenchmarkRate(b *testing.B) {
	m := NewMeter(20 * time.Second)
	now := t0
	for range 100000 {
		now = now.Add(200 * time.Microsecond)
		m.Add(now, 16384)
	}
	for b.Loop() {
		_ = m.Rate(now)
	}
}
