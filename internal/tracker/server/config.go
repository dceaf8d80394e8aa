package server

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"slices"
	"time"

	"shoal/internal/tracker/store"
)

// Defaults for Config fields left zero.
const (
	DefaultInterval       = 30 * time.Minute
	DefaultNumWant        = 50
	DefaultMaxNumWant     = 200
	DefaultFlushInterval  = time.Second
	DefaultRescanInterval = time.Minute

	// peerGrace is added to two intervals to give the default peer TTL.
	peerGrace = time.Minute
)

// loopback is the default Config.UploadFrom.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// Config configures a Server. The zero value serves nothing but is
// otherwise usable: set HTTPAddr and/or UDPAddr.
type Config struct {
	HTTPAddr string // e.g. ":6969"; "" = no HTTP
	UDPAddr  string // e.g. ":6969"; "" = no UDP

	// Store persists swarms; nil keeps them in memory only. The caller owns
	// the store: Close flushes pending changes to it but does not close it.
	Store store.Store

	Logger *slog.Logger // nil discards

	// Interval is the announce interval given to clients (default 30m);
	// MinInterval the minimum re-announce interval (default Interval/2).
	// An embedded tracker typically uses 60s.
	Interval    time.Duration
	MinInterval time.Duration

	// PeerTTL is how long a peer stays listed without announcing
	// (default 2*Interval + 1m).
	PeerTTL time.Duration

	// NumWant is the number of peers returned when a request does not say
	// (default 50); MaxNumWant caps what a request may ask for (default 200).
	NumWant    int
	MaxNumWant int

	// TrustedProxies are the source addresses whose X-Forwarded-For header
	// and ip parameter are believed.
	TrustedProxies []netip.Prefix

	// Now is the clock (default time.Now).
	Now func() time.Time

	// Secret keys UDP connection ids; random when nil.
	Secret []byte

	// FlushInterval is how often changes are written to the Store
	// (default 1s).
	FlushInterval time.Duration

	// TorrentDir, when set, is a folder of .torrent files to register, so
	// that the status page shows names and AllowList knows what to allow.
	// It is read by Start, then rescanned every RescanInterval (default
	// 1m) and whenever Rescan is called; deleting a file unregisters its
	// torrent on the next scan. Uploaded torrents are saved into it.
	TorrentDir     string
	RescanInterval time.Duration

	// AllowList makes the tracker answer only registered torrents (from
	// TorrentDir, uploads or Register); announces and scrapes of other
	// info hashes are refused.
	AllowList bool

	// AllowUpload enables POST /torrents, which registers the .torrent file
	// in the request body (at most MaxUploadSize bytes). Uploads are
	// accepted only from UploadFrom (default: loopback addresses only) and,
	// if UploadToken is set, only with "Authorization: Bearer UploadToken".
	// Requests carrying an Origin header (sent by browsers) are refused.
	AllowUpload bool
	UploadFrom  []netip.Prefix
	UploadToken string

	// RateLimit is how many requests a second one source address may make
	// (an IPv4 address, or an IPv6 /64), in bursts of up to RateBurst
	// (default DefaultRateBurstFactor * RateLimit). Zero means no limit.
	// RateLimitAddrs bounds the addresses tracked (default
	// DefaultRateLimitAddrs); beyond it the idle ones are forgotten first.
	RateLimit      float64
	RateBurst      int
	RateLimitAddrs int

	udpNoBatch   bool // serve UDP one datagram at a time (tests)
	httpNoDirect bool // serve every HTTP connection on a goroutine (tests)
}

func (c Config) withDefaults() (Config, error) {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Interval < time.Second {
		return c, fmt.Errorf("server: interval %v: want at least 1s", c.Interval)
	}
	if c.MinInterval == 0 {
		c.MinInterval = c.Interval / 2
	}
	if c.MinInterval < 0 || c.MinInterval > c.Interval {
		return c, fmt.Errorf("server: min interval %v: want between 0 and the interval %v", c.MinInterval, c.Interval)
	}
	if c.PeerTTL == 0 {
		c.PeerTTL = 2*c.Interval + peerGrace
	}
	if c.PeerTTL < c.Interval {
		return c, fmt.Errorf("server: peer TTL %v: want at least the interval %v", c.PeerTTL, c.Interval)
	}
	if c.MaxNumWant == 0 {
		c.MaxNumWant = DefaultMaxNumWant
	}
	if c.NumWant == 0 {
		c.NumWant = DefaultNumWant
	}
	if c.MaxNumWant < 0 || c.NumWant < 0 {
		return c, fmt.Errorf("server: numwant %d, max %d: want non-negative", c.NumWant, c.MaxNumWant)
	}
	c.NumWant = min(c.NumWant, c.MaxNumWant)
	c.TrustedProxies = slices.Clone(c.TrustedProxies)
	for i, p := range c.TrustedProxies {
		if !p.IsValid() {
			return c, fmt.Errorf("server: trusted proxy %d: invalid prefix", i)
		}
		c.TrustedProxies[i] = p.Masked()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Secret == nil {
		c.Secret = make([]byte, 32)
		if _, err := rand.Read(c.Secret); err != nil {
			return c, fmt.Errorf("server: secret: %w", err)
		}
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.RescanInterval <= 0 {
		c.RescanInterval = DefaultRescanInterval
	}
	if len(c.UploadFrom) == 0 {
		c.UploadFrom = loopback
	}
	c.UploadFrom = slices.Clone(c.UploadFrom)
	for i, p := range c.UploadFrom {
		if !p.IsValid() {
			return c, fmt.Errorf("server: upload from %d: invalid prefix", i)
		}
		c.UploadFrom[i] = p.Masked()
	}
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		return c, fmt.Errorf("server: rate limit %v: want a non-negative number", c.RateLimit)
	}
	if c.RateBurst < 0 || c.RateLimitAddrs < 0 {
		return c, fmt.Errorf("server: rate burst %d, addresses %d: want non-negative", c.RateBurst, c.RateLimitAddrs)
	}
	if c.RateBurst == 0 {
		c.RateBurst = max(int(min(c.RateLimit*DefaultRateBurstFactor, 1<<30)), 1)
	}
	if c.RateLimitAddrs == 0 {
		c.RateLimitAddrs = DefaultRateLimitAddrs
	}
	return c, nil
}
