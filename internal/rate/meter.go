package rate

import "time"

// DefaultWindow is the window of a zero Meter.
const DefaultWindow = 20 * time.Second

const (
	minWindow  = 100 * time.Millisecond
	maxWindow  = time.Hour
	minBuckets = 4
)

// Meter is a sliding-window byte counter. The zero value is ready to use with
// DefaultWindow; it allocates its buckets on the first Add. A Meter is not
// safe for concurrent use.
//
// The window is split into buckets of one second (shorter windows use four
// buckets). Rate weights the oldest bucket by the part of it still inside the
// window, so the reported rate slides smoothly instead of stepping once per
// bucket. Times passed to Add and Rate should not go backwards; if they do,
// they are treated as the latest time seen.
type Meter struct {
	window  time.Duration // nb*width once initialised
	width   time.Duration
	nb      int64   // buckets inside the window
	buckets []int64 // ring of nb+1 buckets
	origin  time.Time
	started bool
	last    int64 // index of the newest bucket, counted from origin
	total   int64
}

// NewMeter returns a meter averaging over window. A window of zero or less
// selects DefaultWindow; windows are clamped to [100ms, 1h] and rounded down
// to a whole number of buckets.
func NewMeter(window time.Duration) *Meter {
	m := &Meter{}
	m.setup(window)
	return m
}

func (m *Meter) setup(window time.Duration) {
	if window <= 0 {
		window = DefaultWindow
	}
	window = min(max(window, minWindow), maxWindow)
	nb := int64((window + time.Second - 1) / time.Second)
	if nb < minBuckets {
		nb = minBuckets
	}
	m.nb = nb
	m.width = window / time.Duration(nb)
	m.window = m.width * time.Duration(nb)
	m.buckets = make([]int64, nb+1)
}

// Window is the averaging window.
func (m *Meter) Window() time.Duration {
	if m.buckets == nil {
		return DefaultWindow
	}
	return m.window
}

// Total is the number of bytes ever added.
func (m *Meter) Total() int64 { return m.total }

// Add records n bytes transferred at now. Negative n is ignored; n == 0 only
// starts the clock.
func (m *Meter) Add(now time.Time, n int64) {
	if n < 0 {
		return
	}
	if m.buckets == nil {
		m.setup(0)
	}
	if !m.started {
		m.origin, m.started, m.last = now, true, 0
	}
	cur := m.index(now)
	if cur > m.last {
		steps := min(cur-m.last, m.nb+1)
		ring := m.nb + 1
		for i := int64(1); i <= steps; i++ {
			m.buckets[(m.last+i)%ring] = 0
		}
		m.last = cur
	}
	m.buckets[cur%(m.nb+1)] += n
	m.total += n
}

// index is the bucket of now, never older than the newest bucket.
func (m *Meter) index(now time.Time) int64 {
	d := now.Sub(m.origin)
	if d < 0 {
		d = 0
	}
	return max(int64(d/m.width), m.last)
}

// Rate is the average rate in bytes per second over the window ending at now.
// Before a full window has passed since the first Add, the average is taken
// over the time since then (but at least one bucket width).
func (m *Meter) Rate(now time.Time) float64 {
	if !m.started {
		return 0
	}
	d := now.Sub(m.origin)
	if lo := time.Duration(m.last) * m.width; d < lo {
		d = lo
	}
	cur := int64(d / m.width)
	if cur-m.last > m.nb {
		return 0
	}
	frac := float64(d-time.Duration(cur)*m.width) / float64(m.width)
	ring := m.nb + 1
	var sum float64
	for k := int64(0); k <= m.nb; k++ {
		i := cur - k
		if i < 0 {
			break
		}
		if i > m.last {
			continue
		}
		v := float64(m.buckets[i%ring])
		if k == m.nb {
			v *= 1 - frac
		}
		sum += v
	}
	span := min(max(d, m.width), m.window)
	return sum / span.Seconds()
}
