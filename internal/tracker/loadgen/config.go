package loadgen

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"time"
)

// Mode says which peers announce.
type Mode int

const (
	// ModeRandom sends regular announces (no event) of peers drawn at
	// random from the population.
	ModeRandom Mode = iota
	// ModePopulate announces every peer of the population once, with
	// event started.
	ModePopulate
)

func (m Mode) String() string {
	switch m {
	case ModeRandom:
		return "random"
	case ModePopulate:
		return "populate"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Defaults and limits of Config.
const (
	DefaultWorkers = 16
	DefaultNumWant = 50
	DefaultTimeout = 2 * time.Second
	MaxWorkers     = 4096
	MaxSources     = 1 << 16
	MaxNumWant     = 1000

	// connIDLifetime is how long a UDP connection id is used (BEP 15).
	connIDLifetime = time.Minute
)

// Config describes one run.
type Config struct {
	// Target is the tracker: http://host:port/path or udp://host:port.
	Target string

	// Population is the set of peers that announce. Required.
	Population *Population
	Mode       Mode

	// Workers is the number of concurrent requests (default
	// DefaultWorkers); each worker waits for its reply before it sends the
	// next request.
	Workers int

	// The run stops after Count announces or after Duration, whichever
	// comes first; at least one must be set, except in ModePopulate, which
	// stops after the whole population anyway.
	Count    int64
	Duration time.Duration

	// Rate, when positive, paces the run at this many announces per second
	// in total; latencies are then measured from when each request was
	// due.
	Rate float64

	// NumWant is the number of peers asked for (default DefaultNumWant).
	NumWant int

	// NoKeepAlive makes HTTP workers open a connection per announce.
	NoKeepAlive bool

	// Sources are local addresses to send from: peer i always announces
	// from Sources[i mod len(Sources)]. Either Workers must be a multiple
	// of len(Sources) or len(Sources) a multiple of Workers; in the latter
	// case every worker has a socket (UDP) or connection (HTTP) per
	// source it sends from. Many sources let a tracker that limits
	// requests per address be measured (127.0.0.0/8 is all local on
	// Linux). Empty lets the system choose.
	Sources []netip.Addr

	// Timeout bounds every request (default DefaultTimeout).
	Timeout time.Duration

	// Seed makes the random choices of a run repeatable.
	Seed uint64
}

// target is a parsed Config.Target.
type target struct {
	udp  bool
	http httpTarget
	addr string // host:port
}

func parseTarget(s string) (target, error) {
	u, err := url.Parse(s)
	if err != nil {
		return target{}, fmt.Errorf("loadgen: target: %w", err)
	}
	if u.Host == "" || u.Port() == "" {
		return target{}, fmt.Errorf("loadgen: target %q: want host and port", s)
	}
	switch u.Scheme {
	case "udp":
		return target{udp: true, addr: u.Host}, nil
	case "http":
		path := u.EscapedPath()
		if path == "" {
			path = "/announce"
		}
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
		return target{http: httpTarget{host: u.Host, path: path}, addr: u.Host}, nil
	}
	return target{}, fmt.Errorf("loadgen: target %q: want an http:// or udp:// URL", s)
}

func (c Config) withDefaults() (Config, target, error) {
	t, err := parseTarget(c.Target)
	if err != nil {
		return c, t, err
	}
	if c.Population == nil {
		return c, t, errors.New("loadgen: no population")
	}
	if c.Mode != ModeRandom && c.Mode != ModePopulate {
		return c, t, fmt.Errorf("loadgen: unknown %v", c.Mode)
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.Workers < 1 || c.Workers > MaxWorkers {
		return c, t, fmt.Errorf("loadgen: workers %d: want 1 to %d", c.Workers, MaxWorkers)
	}
	if c.Count < 0 || c.Duration < 0 || c.Rate < 0 {
		return c, t, errors.New("loadgen: negative count, duration or rate")
	}
	if c.Mode == ModeRandom && c.Count == 0 && c.Duration == 0 {
		return c, t, errors.New("loadgen: unbounded run: set a count or a duration")
	}
	if c.NumWant == 0 {
		c.NumWant = DefaultNumWant
	}
	if c.NumWant < 0 || c.NumWant > MaxNumWant {
		return c, t, fmt.Errorf("loadgen: numwant %d: want 0 to %d", c.NumWant, MaxNumWant)
	}
	if n := len(c.Sources); n > 1 && c.Workers%n != 0 && n%c.Workers != 0 {
		return c, t, fmt.Errorf("loadgen: %d workers over %d sources: want one a multiple of the other", c.Workers, n)
	}
	if len(c.Sources) > MaxSources {
		return c, t, fmt.Errorf("loadgen: %d sources: want at most %d", len(c.Sources), MaxSources)
	}
	for _, a := range c.Sources {
		if !a.IsValid() {
			return c, t, errors.New("loadgen: invalid source address")
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Timeout < 0 {
		return c, t, errors.New("loadgen: negative timeout")
	}
	return c, t, nil
}
