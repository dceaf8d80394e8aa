package client

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"time"

	"shoal/internal/bt"
)

// Config configures a Client. The zero value is usable.
type Config struct {
	// HTTPClient sends HTTP(S) requests; nil means a client with dial,
	// TLS, header and overall timeouts.
	HTTPClient *http.Client
	// Logger receives debug messages; nil discards them.
	Logger *slog.Logger
	// UserAgent is sent to HTTP trackers; empty means "shoal/<version>".
	UserAgent string
	// UDPTimeout is the first UDP timeout; attempt n waits UDPTimeout*2^n
	// (BEP 15). Zero means 15 seconds.
	UDPTimeout time.Duration
	// UDPMaxRetries bounds the UDP retransmissions after the first attempt:
	// zero means 4, a negative value means none, and values above 8 (the
	// limit of BEP 15) are lowered to 8. The context bounds the total time
	// as well.
	UDPMaxRetries int
	// Now tells the time used for UDP connection id expiry; nil means
	// time.Now. Socket deadlines always use the wall clock.
	Now func() time.Time
	// Rand draws UDP transaction ids; nil means a randomly seeded source.
	// The Client serialises its use.
	Rand *rand.Rand
	// LocalAddr, when valid, is the source address of UDP announces, so
	// the tracker sees the address peers should use. HTTP announces take
	// theirs from HTTPClient.
	LocalAddr netip.Addr
}

// Client announces to and scrapes trackers. It is safe for concurrent use.
type Client struct {
	http       *http.Client
	log        *slog.Logger
	userAgent  string
	udpTimeout time.Duration
	udpRetries int
	localAddr  netip.Addr
	now        func() time.Time

	mu    sync.Mutex
	rnd   *rand.Rand
	conns map[netip.AddrPort]udpConnID
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	c := &Client{
		http:       cfg.HTTPClient,
		log:        cfg.Logger,
		userAgent:  cfg.UserAgent,
		udpTimeout: cfg.UDPTimeout,
		udpRetries: cfg.UDPMaxRetries,
		localAddr:  cfg.LocalAddr,
		now:        cfg.Now,
		rnd:        cfg.Rand,
		conns:      make(map[netip.AddrPort]udpConnID),
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.userAgent == "" {
		c.userAgent = "shoal/" + bt.Version
	}
	if c.udpTimeout <= 0 {
		c.udpTimeout = 15 * time.Second
	}
	switch {
	case c.udpRetries == 0:
		c.udpRetries = 4
	case c.udpRetries < 0:
		c.udpRetries = 0
	case c.udpRetries > 8:
		c.udpRetries = 8
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.rnd == nil {
		var seed [16]byte
		_, _ = crand.Read(seed[:])
		c.rnd = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	return c
}

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 30 * time.Second
	t.TLSHandshakeTimeout = 10 * time.Second
	return &http.Client{Transport: t, Timeout: 60 * time.Second}
}

// Announce sends req to the tracker at announceURL, whose scheme picks the
// protocol: http, https or udp. A failure the tracker reports comes back as
// a *FailureError.
func (c *Client) Announce(ctx context.Context, announceURL string, req Request) (Response, error) {
	u, err := parseTrackerURL(announceURL)
	if err != nil {
		return Response{}, err
	}
	switch u.Scheme {
	case "http", "https":
		return c.announceHTTP(ctx, u, req)
	default:
		return c.announceUDP(ctx, u, req)
	}
}

// Scrape asks the tracker at announceURL for the swarm counts of hashes.
// Over HTTP the scrape URL is derived from the announce URL as BEP 48
// says; when that is impossible the error wraps ErrScrapeUnsupported.
// Hashes the tracker does not know are missing from the map.
func (c *Client) Scrape(ctx context.Context, announceURL string, hashes []bt.InfoHash) (map[bt.InfoHash]ScrapeResult, error) {
	u, err := parseTrackerURL(announceURL)
	if err != nil {
		return nil, err
	}
	if len(hashes) == 0 {
		return map[bt.InfoHash]ScrapeResult{}, nil
	}
	switch u.Scheme {
	case "http", "https":
		return c.scrapeHTTP(ctx, u, hashes)
	default:
		return c.scrapeUDP(ctx, u, hashes)
	}
}

// parseTrackerURL parses a tracker URL and checks its scheme.
func parseTrackerURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("tracker: announce URL: %w", err)
	}
	switch u.Scheme {
	case "http", "https", "udp":
	default:
		return nil, fmt.Errorf("%w %q in %s", ErrUnsupportedScheme, u.Scheme, displayURL(u))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("tracker: announce URL %s: no host", displayURL(u))
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// displayURL returns a URL for messages, without the query and user info
// where private trackers keep their secrets.
func displayURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return v.String()
}

// tid draws a transaction id.
func (c *Client) tid() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rnd.Uint32()
}
