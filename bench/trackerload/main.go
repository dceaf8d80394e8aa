// Command trackerload drives a BitTorrent tracker with announces and
// prints what it measured as one line of key=value pairs. It is the load
// generator of bench/tracker.sh.
//
//	trackerload -target http://127.0.0.1:6969/announce -mode populate -torrents 10000 -peers 1000000
//	trackerload -target udp://127.0.0.1:6969 -mode random -duration 10s -workers 32
//	trackerload -target udp://127.0.0.1:6969 -mode scrape -torrents 10000 -peers 1000000
//	trackerload -mode whitelist -torrents 10000 -o whitelist.txt
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"shoal/internal/tracker/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "trackerload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("trackerload", flag.ContinueOnError)
	target := fs.String("target", "", "tracker `URL`: http://HOST:PORT/announce or udp://HOST:PORT")
	mode := fs.String("mode", "random", "random | populate | scrape | whitelist")
	torrents := fs.Int("torrents", 10_000, "torrents in the population")
	peers := fs.Int("peers", 1_000_000, "peers in the population")
	workers := fs.Int("workers", loadgen.DefaultWorkers, "concurrent requests")
	count := fs.Int64("count", 0, "stop after this many announces (0: no limit)")
	duration := fs.Duration("duration", 0, "stop after this long (0: no limit)")
	rate := fs.Float64("rate", 0, "announces per second in total (0: as fast as answered)")
	numWant := fs.Int("numwant", loadgen.DefaultNumWant, "peers asked for per announce")
	noKeepAlive := fs.Bool("no-keepalive", false, "HTTP: one connection per announce")
	sources := fs.String("src", "", "local `addresses` to send from: A,B,... or A+N (N addresses from A up)")
	timeout := fs.Duration("timeout", loadgen.DefaultTimeout, "timeout of each request")
	seed := fs.Uint64("seed", 1, "seed of the random choices")
	label := fs.String("label", "", "text put first in the output line")
	out := fs.String("o", "", "whitelist: output `file` (default stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	pop, err := loadgen.NewPopulation(*torrents, *peers)
	if err != nil {
		return err
	}
	prefix := ""
	if *label != "" {
		prefix = "label=" + *label + " "
	}
	switch *mode {
	case "whitelist":
		return writeWhitelist(pop, *out, stdout)
	case "scrape":
		return scrape(ctx, *target, pop, *timeout, prefix, stdout)
	}
	var m loadgen.Mode
	switch *mode {
	case "random":
		m = loadgen.ModeRandom
	case "populate":
		m = loadgen.ModePopulate
	default:
		return fmt.Errorf("unknown mode %q", *mode)
	}
	src, err := parseSources(*sources)
	if err != nil {
		return err
	}
	res, err := loadgen.Run(ctx, loadgen.Config{
		Target:      *target,
		Population:  pop,
		Mode:        m,
		Workers:     *workers,
		Count:       *count,
		Duration:    *duration,
		Rate:        *rate,
		NumWant:     *numWant,
		NoKeepAlive: *noKeepAlive,
		Sources:     src,
		Timeout:     *timeout,
		Seed:        *seed,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s%s cpu_secs=%.2f\n", prefix, res, cpuSeconds())
	if res.FirstError != "" {
		fmt.Fprintf(os.Stderr, "trackerload: first error: %s\n", res.FirstError)
	}
	return nil
}

func writeWhitelist(pop *loadgen.Population, path string, stdout io.Writer) error {
	if path == "" {
		return pop.WriteWhitelist(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pop.WriteWhitelist(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func scrape(ctx context.Context, target string, pop *loadgen.Population, timeout time.Duration, prefix string, stdout io.Writer) error {
	counts, err := loadgen.Scrape(ctx, target, pop, timeout)
	if err != nil {
		return err
	}
	var seeders, leechers uint64
	swarms := 0
	for _, c := range counts {
		seeders += uint64(c.Seeders)
		leechers += uint64(c.Leechers)
		if c.Seeders+c.Leechers > 0 {
			swarms++
		}
	}
	fmt.Fprintf(stdout, "%starget=%s torrents=%d swarms=%d seeders=%d leechers=%d peers=%d\n",
		prefix, target, len(counts), swarms, seeders, leechers, seeders+leechers)
	return nil
}

// parseSources parses "A,B,C" or "A+N".
func parseSources(s string) ([]netip.Addr, error) {
	if s == "" {
		return nil, nil
	}
	if first, n, ok := strings.Cut(s, "+"); ok {
		a, err := netip.ParseAddr(first)
		if err != nil {
			return nil, fmt.Errorf("-src: %w", err)
		}
		k, err := strconv.Atoi(n)
		if err != nil || k < 1 || k > loadgen.MaxSources {
			return nil, fmt.Errorf("-src %q: want A+N with N from 1 to %d", s, loadgen.MaxSources)
		}
		out := make([]netip.Addr, 0, k)
		for range k {
			if !a.IsValid() {
				return nil, fmt.Errorf("-src %q: address range overflows", s)
			}
			out = append(out, a)
			a = a.Next()
		}
		return out, nil
	}
	var out []netip.Addr
	for f := range strings.SplitSeq(s, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("-src: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

// cpuSeconds returns the user and system CPU time this process used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
