package server

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"shoal/internal/tracker/registry"
)

func fetchMetrics(t *testing.T, s *Server) string {
	t.Helper()
	return fetchMetricsWith(t, http.DefaultClient, s)
}

func fetchMetricsWith(t *testing.T, c *http.Client, s *Server) string {
	t.Helper()
	resp, err := c.Get(statusURL(s) + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(body)
}

func TestMetrics(t *testing.T) {
	s := startServer(t, Config{HTTPAddr: "127.0.0.1:0", UDPAddr: "127.0.0.1:0", AllowList: true})
	h := registeredHash(t, s, "m", 1)

	// HTTP: two good announces (a seeder and a leecher), one malformed,
	// one unregistered; one good scrape.
	get(t, announceURLFor(s, announceValues(h, peerID(1), 6881, 0)))
	get(t, announceURLFor(s, announceValues(h, peerID(2), 6882, 5)))
	get(t, s.AnnounceURL()+"?info_hash=short")
	get(t, announceURLFor(s, announceValues(ih(9), peerID(3), 6883, 5)))
	get(t, statusURL(s)+"scrape?info_hash="+url.QueryEscape(string(h[:])))

	// UDP: a connect, a good announce, one with a bad connection id.
	c := dialUDP(t, s)
	id := c.connect()
	req := udpRequest{connID: id, txID: 1, infoHash: h, peerID: peerID(4), left: 1, numWant: -1, port: 6884, event: registry.EventStarted}
	parseAnnounceReply(t, c.roundTrip(appendAnnounceRequest(nil, req), 5*time.Second), 1, 6)
	req.connID, req.txID = id^1, 2
	udpError(t, c.roundTrip(appendAnnounceRequest(nil, req), 5*time.Second), 2)

	body := fetchMetrics(t, s)
	for _, want := range []string{
		`shoal_tracker_announces_total{outcome="ok",protocol="http"} 2`,
		`shoal_tracker_announces_total{outcome="error",protocol="http"} 2`,
		`shoal_tracker_announces_total{outcome="ok",protocol="udp"} 1`,
		`shoal_tracker_announces_total{outcome="error",protocol="udp"} 1`,
		`shoal_tracker_scrapes_total{outcome="ok",protocol="http"} 1`,
		`shoal_tracker_scrapes_total{outcome="ok",protocol="udp"} 0`,
		`shoal_tracker_udp_connects_total 1`,
		`shoal_tracker_errors_total{kind="malformed",protocol="http"} 1`,
		`shoal_tracker_errors_total{kind="unregistered",protocol="http"} 1`,
		`shoal_tracker_errors_total{kind="bad_connection_id",protocol="udp"} 1`,
		`shoal_tracker_errors_total{kind="rate_limited",protocol="http"} 0`,
		`shoal_tracker_announce_duration_seconds_count{protocol="http"} 4`,
		`shoal_tracker_announce_duration_seconds_count{protocol="udp"} 2`,
		`shoal_tracker_announce_duration_seconds_bucket{protocol="udp",le="+Inf"} 2`,
		`shoal_tracker_swarms 1`,
		`shoal_tracker_peers{role="seeder"} 1`,
		`shoal_tracker_peers{role="leecher"} 2`,
		`shoal_tracker_registered_torrents 1`,
		`shoal_tracker_rate_limited_addresses 0`,
		"# TYPE shoal_tracker_announce_duration_seconds histogram",
	} {
		if !hasLine(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, prefix := range []string{"\ngo_goroutines ", "\nprocess_resident_memory_bytes "} {
		if !strings.Contains(body, prefix) {
			t.Errorf("metrics lack %q", prefix[1:])
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
}

// TestMetricsRegistriesArePrivate checks that two servers in one process
// keep separate counts.
func TestMetricsRegistriesArePrivate(t *testing.T) {
	a := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	b := startServer(t, Config{HTTPAddr: "127.0.0.1:0"})
	get(t, announceURLFor(a, announceValues(ih(1), peerID(1), 6881, 0)))
	if body := fetchMetrics(t, b); !strings.Contains(body, `shoal_tracker_announces_total{outcome="ok",protocol="http"} 0`) {
		t.Errorf("second server counted the first one's announce")
	}
	mf, err := a.Metrics().Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range mf {
		found = found || f.GetName() == "shoal_tracker_announces_total"
	}
	if !found {
		t.Error("Metrics() lacks the announce counter")
	}
}
