package pairbench

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"
)

// Config configures a benchmark run.
type Config struct {
	Pairs    int           // pairs of peers, default 10
	Contents []Content     // run one after another, each over fresh links; default Text
	Duration time.Duration // streaming time of each content, default 2s
	// Concurrency is how many links are being set up at once (default:
	// all pairs at once).
	Concurrency int
	// Rate, when above 0, starts set-ups open loop: pair i starts at
	// i/Rate seconds, whatever became of the pairs before it, so that
	// set-up time is measured at a known load rather than as the queue
	// of one burst. Concurrency still bounds the set-ups in flight.
	Rate float64
	Seed uint64 // derives the peers' keys and the message sizes

	// RouterA and RouterB are the routers of the dialing and the answering
	// cluster (HOST:PORT). Run starts two federated routers on loopback
	// when both are empty.
	RouterA, RouterB string
	// HostsA and HostsB are local addresses for the peers of each side:
	// peer i listens on HostsX[i % len] (port 0). Default 127.0.0.1.
	HostsA, HostsB []netip.Addr

	StepTimeout    time.Duration // per link strategy, default 1s (2.5s behind real NATs)
	ConnectTimeout time.Duration // per link, relay included, default 20s
	Drain          time.Duration // wait for the last replies, default 5s
	// MetricsURLs are the /metrics pages of external routers, read after
	// the run for lookup times and relayed bytes.
	MetricsURLs []string
	// MaxTime bounds the whole run, default 10 min.
	MaxTime time.Duration

	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if c.Pairs == 0 {
		c.Pairs = 10
	}
	if c.Pairs < 0 || c.Pairs > 100000 {
		return fmt.Errorf("pairbench: %d pairs", c.Pairs)
	}
	if len(c.Contents) == 0 {
		c.Contents = []Content{Text}
	}
	for _, ct := range c.Contents {
		if ct.Rate <= 0 || ct.MinSize < 0 || ct.MaxSize > maxPayload || ct.KeySize > maxPayload {
			return fmt.Errorf("pairbench: content %q out of range", ct.Name)
		}
	}
	if c.Rate < 0 || c.Rate > 1e6 {
		return fmt.Errorf("pairbench: rate %g set-ups/s out of range", c.Rate)
	}
	if c.Concurrency <= 0 || c.Concurrency > c.Pairs {
		c.Concurrency = c.Pairs
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Duration, 2*time.Second)
	def(&c.StepTimeout, time.Second)
	def(&c.ConnectTimeout, 20*time.Second)
	def(&c.Drain, 5*time.Second)
	def(&c.MaxTime, 10*time.Minute)
	loop := []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})}
	if len(c.HostsA) == 0 {
		c.HostsA = loop
	}
	if len(c.HostsB) == 0 {
		c.HostsB = loop
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// ParseHosts parses addresses separated by commas, each an address or a
// range FIRST-LAST of IPv4 addresses, e.g. "10.1.0.2-10.1.0.101".
func ParseHosts(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		first, last, isRange := strings.Cut(part, "-")
		a, err := netip.ParseAddr(first)
		if err != nil {
			return nil, fmt.Errorf("pairbench: hosts: %w", err)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, err := netip.ParseAddr(last)
		if err != nil {
			return nil, fmt.Errorf("pairbench: hosts: %w", err)
		}
		if !a.Is4() || !b.Is4() || b.Less(a) {
			return nil, fmt.Errorf("pairbench: hosts: bad range %q", part)
		}
		for x := a; ; x = x.Next() {
			if len(out) >= 1<<16 {
				return nil, fmt.Errorf("pairbench: hosts: range %q too long", part)
			}
			out = append(out, x)
			if x == b {
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("pairbench: hosts: none given")
	}
	return out, nil
}
