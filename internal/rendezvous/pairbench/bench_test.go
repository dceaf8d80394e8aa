package pairbench

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// BenchmarkThousandPairs links 1000 pairs across two in-process routers
// and streams text on all 1000 links at once: set-ups started open loop
// at 1000 a second, 50 in flight at most, and all at once. It reports
// the set-up percentiles, set-up throughput and this process's CPU time
// and peak RSS (routers and 2000 peers together).
func BenchmarkThousandPairs(b *testing.B) {
	for _, bc := range []struct {
		name        string
		rate        float64
		concurrency int
	}{{"rate=1000/s", 1000, 0}, {"inflight=50", 0, 50}, {"burst", 0, 0}} {
		b.Run(bc.name, func(b *testing.B) { benchPairs(b, bc.rate, bc.concurrency) })
	}
}

func benchPairs(b *testing.B, rate float64, concurrency int) {
	for b.Loop() {
		rp, err := Run(b.Context(), Config{
			Pairs: 1000, Rate: rate, Concurrency: concurrency, Contents: []Content{Text}, Duration: time.Second, Seed: 3,
			HostsA: mustHosts(b, "127.0.1.1-127.0.1.250"), HostsB: mustHosts(b, "127.0.2.1-127.0.2.250"),
		})
		if err != nil {
			b.Fatal(err)
		}
		r := rp.Results[0]
		if r.Failed != 0 || r.Relayed != 0 {
			b.Fatalf("%d failed, %d relayed: %v", r.Failed, r.Relayed, r.Errors)
		}
		var s strings.Builder
		rp.WriteTable(&s)
		b.Logf("\n%s", s.String())
		b.ReportMetric(float64(r.SetupP50)/1e6, "setup-p50-ms")
		b.ReportMetric(float64(r.SetupP99)/1e6, "setup-p99-ms")
		b.ReportMetric(float64(r.LookupAvg)/1e3, "fed-lookup-µs")
		b.ReportMetric(float64(r.Direct)/r.SetupSpan.Seconds(), "links/s")
		b.ReportMetric(rp.CPU.Seconds(), "process-cpu-s")
		b.ReportMetric(float64(rp.MaxRSS)/(1<<20), "process-maxrss-MiB")
	}
}

func mustHosts(tb testing.TB, s string) []netip.Addr {
	tb.Helper()
	h, err := ParseHosts(s)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}
