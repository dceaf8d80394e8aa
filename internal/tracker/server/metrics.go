package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"shoal/internal/tracker/registry"
)

// protocol is the front end a request came through; a metric label.
type protocol uint8

const (
	protoHTTP protocol = iota
	protoUDP
	numProtocols
)

var protocolNames = [numProtocols]string{"http", "udp"}

// errKind classifies a refused request; a metric label.
type errKind uint8

const (
	errNone         errKind = iota
	errMalformed            // unparsable request, wrong method, runt datagram
	errBadConnID            // UDP request without a valid connection id
	errRateLimited          // the source address is over its rate
	errUnregistered         // allow-list mode, unknown info hash
	errInvalidAddr          // unusable peer address
	errInternal             // a bug: the handler panicked
	numErrKinds
)

var errKindNames = [numErrKinds]string{"", "malformed", "bad_connection_id", "rate_limited", "unregistered", "invalid_address", "internal"}

// Failure reasons shared by both front ends.
const (
	reasonRateLimited  = "rate limit exceeded, try again later"
	reasonUnregistered = "unregistered torrent"
	reasonInvalidAddr  = "invalid peer address"
	reasonBadConnID    = "bad connection id"
)

// latencyBuckets span 5µs to 100ms: the tracker answers from memory.
var latencyBuckets = []float64{5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 100e-3}

// metrics are the server's Prometheus metrics, in a registry of their own.
// Every series is resolved once here so that counting is an atomic add.
type metrics struct {
	reg       *prometheus.Registry
	handler   http.Handler
	announces [numProtocols][2]prometheus.Counter // [protocol][ok, error]
	scrapes   [numProtocols][2]prometheus.Counter
	connects  prometheus.Counter
	errors    [numProtocols][numErrKinds]prometheus.Counter
	latency   [numProtocols]prometheus.Observer
}

func newMetrics(s *Server) (*metrics, error) {
	m := &metrics{reg: prometheus.NewRegistry()}
	announces := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shoal_tracker_announces_total",
		Help: "Announce requests by protocol and outcome (ok or error).",
	}, []string{"protocol", "outcome"})
	scrapes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shoal_tracker_scrapes_total",
		Help: "Scrape requests by protocol and outcome (ok or error).",
	}, []string{"protocol", "outcome"})
	m.connects = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "shoal_tracker_udp_connects_total",
		Help: "UDP connect requests answered with a connection id.",
	})
	errs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shoal_tracker_errors_total",
		Help: "Refused requests by protocol and kind.",
	}, []string{"protocol", "kind"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "shoal_tracker_announce_duration_seconds",
		Help:    "Time to answer an announce, from the request read to the reply built.",
		Buckets: latencyBuckets,
	}, []string{"protocol"})
	for p, pn := range protocolNames {
		for o, on := range [2]string{"ok", "error"} {
			m.announces[p][o] = announces.WithLabelValues(pn, on)
			m.scrapes[p][o] = scrapes.WithLabelValues(pn, on)
		}
		for k := errKind(1); k < numErrKinds; k++ {
			m.errors[p][k] = errs.WithLabelValues(pn, errKindNames[k])
		}
		m.latency[p] = latency.WithLabelValues(pn)
	}
	for _, c := range []prometheus.Collector{
		announces, scrapes, m.connects, errs, latency, newStateCollector(s),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := m.reg.Register(c); err != nil {
			return nil, fmt.Errorf("server: metrics: %w", err)
		}
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
	})
	return m, nil
}

func outcomeOf(kind errKind) int {
	if kind == errNone {
		return 0
	}
	return 1
}

// announced counts one announce that took d to answer.
func (m *metrics) announced(p protocol, kind errKind, d time.Duration) {
	m.announces[p][outcomeOf(kind)].Inc()
	m.latency[p].Observe(d.Seconds())
	m.refused(p, kind)
}

func (m *metrics) scraped(p protocol, kind errKind) {
	m.scrapes[p][outcomeOf(kind)].Inc()
	m.refused(p, kind)
}

func (m *metrics) refused(p protocol, kind errKind) {
	if kind != errNone {
		m.errors[p][kind].Inc()
	}
}

// stateCollector reports the size of the swarm state when scraped.
type stateCollector struct {
	s                                  *Server
	swarms, peers, torrents, addresses *prometheus.Desc

	mu    sync.Mutex
	stats []registry.SwarmStats
}

func newStateCollector(s *Server) *stateCollector {
	return &stateCollector{
		s:         s,
		swarms:    prometheus.NewDesc("shoal_tracker_swarms", "Swarms the tracker knows.", nil, nil),
		peers:     prometheus.NewDesc("shoal_tracker_peers", "Peers in all swarms by role (seeder or leecher).", []string{"role"}, nil),
		torrents:  prometheus.NewDesc("shoal_tracker_registered_torrents", "Torrents in the registry (--torrents and uploads).", nil, nil),
		addresses: prometheus.NewDesc("shoal_tracker_rate_limited_addresses", "Source addresses the rate limiter is tracking.", nil, nil),
	}
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.swarms
	ch <- c.peers
	ch <- c.torrents
	ch <- c.addresses
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	c.stats = c.s.reg.Stats(c.stats[:0])
	swarms := len(c.stats)
	var seeders, leechers int
	for _, st := range c.stats {
		seeders += st.Seeders
		leechers += st.Leechers
	}
	if cap(c.stats) > 1<<16 {
		c.stats = nil
	}
	c.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(c.swarms, prometheus.GaugeValue, float64(swarms))
	ch <- prometheus.MustNewConstMetric(c.peers, prometheus.GaugeValue, float64(seeders), "seeder")
	ch <- prometheus.MustNewConstMetric(c.peers, prometheus.GaugeValue, float64(leechers), "leecher")
	ch <- prometheus.MustNewConstMetric(c.torrents, prometheus.GaugeValue, float64(c.s.torrents.len()))
	ch <- prometheus.MustNewConstMetric(c.addresses, prometheus.GaugeValue, float64(c.s.limit.len()))
}
