package router

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"shoal/internal/rendezvous/proto"
)

// Stats are counters of a Router since it started.
type Stats struct {
	Sessions      int   // peers registered now
	Registrations int64 // successful registrations
	Refused       int64 // handshakes refused (bad signature, limits, unknown router)
	Malformed     int64 // connections closed for a malformed or unexpected frame
	Connects      int64 // introductions made for local requesters
	RateLimited   int64 // connect requests refused by a rate limit
	Relays        int64 // relayed pairs started
	RelayedBytes  int64 // bytes relayed, both directions
	// TableLookups is how many times the routing table was searched for
	// a peer, and TableLookupTime the time they took in all (with the
	// clock reads that timed them).
	TableLookups    int64
	TableLookupTime time.Duration
}

type metrics struct {
	reg           *prometheus.Registry
	registrations *prometheus.CounterVec
	sessions      prometheus.Gauge
	connects      *prometheus.CounterVec
	relayedBytes  prometheus.Counter
	relays        prometheus.Counter
	lookupSeconds prometheus.Histogram

	nReg, nRefused, nMalformed, nConnects, nLimited, nRelays, nRelayed atomic.Int64
	nTable, tableNanos                                                 atomic.Int64
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		registrations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_router_registrations_total", Help: "Handshakes by result (ok, refused).",
		}, []string{"result"}),
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "shoal_router_sessions", Help: "Peers registered now.",
		}),
		connects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_router_connects_total", Help: "Connect requests of local peers by outcome.",
		}, []string{"outcome"}),
		relayedBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoal_router_relayed_bytes_total", Help: "Bytes relayed between peers.",
		}),
		relays: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoal_router_relays_total", Help: "Relayed pairs started.",
		}),
		lookupSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "shoal_router_lookup_seconds",
			Help:    "Time to find a connect target: 0 for own peers, the federated round trip otherwise.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}),
	}
	tableCount := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "shoal_router_table_lookups_total", Help: "Searches of the routing table for a peer.",
	}, func() float64 { return float64(m.nTable.Load()) })
	tableTime := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "shoal_router_table_lookup_seconds_total",
		Help: "Time spent searching the routing table, with the clock reads that timed it.",
	}, func() float64 { return float64(m.tableNanos.Load()) / 1e9 })
	m.reg.MustRegister(m.registrations, m.sessions, m.connects, m.relayedBytes, m.relays, m.lookupSeconds, tableCount, tableTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) connect(code proto.Code) {
	m.connects.WithLabelValues(code.String()).Inc()
	switch code {
	case proto.CodeOK:
		m.nConnects.Add(1)
	case proto.CodeRateLimited:
		m.nLimited.Add(1)
	}
}

func (m *metrics) registered(ok bool) {
	if ok {
		m.registrations.WithLabelValues("ok").Inc()
		m.nReg.Add(1)
		return
	}
	m.registrations.WithLabelValues("refused").Inc()
	m.nRefused.Add(1)
}

func (m *metrics) tableLookup(d time.Duration) {
	m.nTable.Add(1)
	m.tableNanos.Add(int64(d))
}

func (m *metrics) relayed(n int64) {
	m.relayedBytes.Add(float64(n))
	m.nRelayed.Add(n)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
