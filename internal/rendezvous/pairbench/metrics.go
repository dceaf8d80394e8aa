package pairbench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// routerSample is what the routers' metrics say, summed over routers.
type routerSample struct {
	lookupSum   float64 // seconds
	lookupCount float64
	tableSum    float64 // seconds in routing-table lookups
	tableCount  float64
	relayed     float64 // bytes
	relays      float64
	cpu         float64 // seconds of the router process (external routers)
	rss         float64 // bytes
}

// sub is the change from o to s; rss stays s's.
func (s routerSample) sub(o routerSample) routerSample {
	return routerSample{s.lookupSum - o.lookupSum, s.lookupCount - o.lookupCount, s.tableSum - o.tableSum,
		s.tableCount - o.tableCount, s.relayed - o.relayed, s.relays - o.relays, s.cpu - o.cpu, s.rss}
}

func (s routerSample) add(o routerSample) routerSample {
	return routerSample{s.lookupSum + o.lookupSum, s.lookupCount + o.lookupCount, s.tableSum + o.tableSum,
		s.tableCount + o.tableCount, s.relayed + o.relayed, s.relays + o.relays, s.cpu + o.cpu, s.rss + o.rss}
}

// maxMetrics bounds a metrics page.
const maxMetrics = 4 << 20

// parseMetrics reads the counters it needs from a Prometheus text page.
func parseMetrics(r io.Reader) (routerSample, error) {
	var s routerSample
	sc := bufio.NewScanner(io.LimitReader(r, maxMetrics))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		var dst *float64
		switch name {
		case "shoal_router_lookup_seconds_sum":
			dst = &s.lookupSum
		case "shoal_router_lookup_seconds_count":
			dst = &s.lookupCount
		case "shoal_router_table_lookup_seconds_total":
			dst = &s.tableSum
		case "shoal_router_table_lookups_total":
			dst = &s.tableCount
		case "shoal_router_relayed_bytes_total":
			dst = &s.relayed
		case "shoal_router_relays_total":
			dst = &s.relays
		case "process_cpu_seconds_total":
			dst = &s.cpu
		case "process_resident_memory_bytes":
			dst = &s.rss
		default:
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return routerSample{}, fmt.Errorf("pairbench: metrics: %s: %w", name, err)
		}
		*dst = v
	}
	if err := sc.Err(); err != nil {
		return routerSample{}, fmt.Errorf("pairbench: metrics: %w", err)
	}
	return s, nil
}

// scraper reads one router's metrics.
type scraper func(ctx context.Context) (routerSample, error)

// handlerScraper reads the metrics of an in-process router.
func handlerScraper(h http.Handler) scraper {
	return func(ctx context.Context) (routerSample, error) {
		rec := httptest.NewRecorder()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/metrics", nil)
		if err != nil {
			return routerSample{}, err
		}
		h.ServeHTTP(rec, req)
		return parseMetrics(rec.Body)
	}
}

// urlScraper reads the metrics page at url.
func urlScraper(url string) scraper {
	client := &http.Client{Timeout: 5 * time.Second}
	return func(ctx context.Context) (routerSample, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return routerSample{}, fmt.Errorf("pairbench: metrics: %w", err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return routerSample{}, fmt.Errorf("pairbench: metrics: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return routerSample{}, fmt.Errorf("pairbench: metrics %s: %s", url, resp.Status)
		}
		return parseMetrics(resp.Body)
	}
}

// sampleAll sums the samples of every router; ok is false if any failed.
func sampleAll(ctx context.Context, ss []scraper) (routerSample, bool) {
	var sum routerSample
	for _, s := range ss {
		v, err := s(ctx)
		if err != nil {
			return routerSample{}, false
		}
		sum = sum.add(v)
	}
	return sum, len(ss) > 0
}
