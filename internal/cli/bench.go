package cli

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime/debug"
	"time"

	"shoal/internal/rendezvous/pairbench"
)

const benchUsage = `Usage: shoal bench pairs [--pairs N] [--content text|audio|video|all] [--out DIR]

Measures rendezvous links between N pairs of peers in two clusters. Peer
i of cluster A links to peer i of cluster B through the routers, then
every pair streams messages for --duration; cluster B answers each with
the reference message service (the text in upper case), which checks and
acknowledges it. Printed, and with --out written as DIR/pairs.csv and
DIR/pairs.json, one row per content:

  pairs linked directly, relayed, failed; link set-up time p50/p90/p99;
  the routers' routing-table lookup time (table_lookup_ns) and the time
  to find a peer of the other cluster (lookup_avg_ms, a round trip
  between the routers, or 0 once cached); messages,
  messages dropped (by sequence number), average message size, average
  and p99 transmission time (message out to reply in); bytes/s per pair
  and in all; bytes the routers relayed.

Contents (each over fresh links):
  text   16-256 byte lines, 2 a second
  audio  160-byte frames, 50 a second (64 kbit/s)
  video  2-14 KiB frames, 30 a second, a 60 KiB key frame every second
         (about 2.4 Mbit/s)

All set-ups start at once unless --concurrency bounds those in flight
or --rate starts them open loop, N a second: a burst measures how fast
the routers and peers work through a queue, a rate measures set-up time
at a known load. Either way every link stays up while all pairs stream.

Without routers it starts two federated routers in this process on
loopback. --router-a and --router-b use running routers (shoal router);
--metrics then reads their /metrics pages for lookup times, relayed
bytes and the routers' CPU time and resident memory (printed as
"routers: cpu ..., rss ..." and in the router_cpu_ms and
router_rss_bytes columns). --role splits the pairs over two processes, e.g. one per network:
  shoal bench pairs --role answer --router R2:7000 --hosts 10.2.0.2-10.2.0.101 --pairs 100 --seed 7
  shoal bench pairs --role dial --router R1:7000 --hosts 10.1.0.2-10.1.0.101 --pairs 100 --seed 7
Both sides derive the peers' keys from --seed, so they must agree on it
and on --pairs; the answer side prints "ready" once its peers are
registered and runs until interrupted or --max-time.
`

func runBench(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
		args = []string{"pairs", "--help"}
	}
	if len(args) == 0 || args[0] != "pairs" {
		return usagef("missing benchmark (available: pairs)")
	}
	fs := newFlagSet("bench pairs", e, benchUsage)
	pairs := fs.Int("pairs", 10, "number of `pairs`")
	content := fs.String("content", "text", "`kind` of messages: text, audio, video, a list of them, or all")
	duration := fs.Duration("duration", 2*time.Second, "streaming `time` of each content")
	out := fs.String("out", "", "write pairs.csv and pairs.json into this `folder`")
	routerA := fs.String("router-a", "", "`HOST:PORT` of the dialing cluster's router")
	routerB := fs.String("router-b", "", "`HOST:PORT` of the answering cluster's router")
	role := fs.String("role", "both", "run `both` sides, or only the dial or the answer side")
	routerOne := fs.String("router", "", "with --role: `HOST:PORT` of this side's router")
	hostsA := fs.String("hosts-a", "", "local `addresses` of the dialing peers, e.g. 127.0.1.1-127.0.1.250 (default 127.0.0.1)")
	hostsB := fs.String("hosts-b", "", "local `addresses` of the answering peers")
	hostsOne := fs.String("hosts", "", "with --role: local `addresses` of this side's peers")
	seed := fs.Uint64("seed", 1, "`seed` of the peers' keys and the message sizes")
	conc := fs.Int("concurrency", 0, "links being set up at once (default: all pairs)")
	rate := fs.Float64("rate", 0, "start set-ups at this many a `second`, open loop (default: all at once)")
	step := fs.Duration("step", time.Second, "`time` given to each way of making a direct link (2.5s behind NATs that drop the first SYN)")
	timeout := fs.Duration("timeout", 20*time.Second, "give up making a link after this `long`")
	drain := fs.Duration("drain", 5*time.Second, "wait this `long` for the last replies")
	maxTime := fs.Duration("max-time", 10*time.Minute, "stop after this `long` in all")
	var metrics listFlag
	fs.Var(&metrics, "metrics", "`URL` of a router's metrics page (repeatable)")
	verbose := fs.Bool("verbose", false, "log link set-up to stderr")
	if _, err := parseFlags(fs, args[1:], 0, 0); err != nil {
		return err
	}
	contents, err := pairbench.ParseContents(*content)
	if err != nil {
		return usagef("--content: %v", err)
	}
	cfg := pairbench.Config{
		Pairs: *pairs, Contents: contents, Duration: *duration, Concurrency: *conc, Rate: *rate, Seed: *seed,
		RouterA: *routerA, RouterB: *routerB, StepTimeout: *step, ConnectTimeout: *timeout,
		Drain: *drain, MaxTime: *maxTime, MetricsURLs: metrics,
	}
	if *pairs < 1 {
		return usagef("--pairs must be at least 1")
	}
	if cfg.HostsA, err = parseHostsFlag(*hostsA); err != nil {
		return usagef("--hosts-a: %v", err)
	}
	if cfg.HostsB, err = parseHostsFlag(*hostsB); err != nil {
		return usagef("--hosts-b: %v", err)
	}
	if *verbose {
		cfg.Logger = newLogger(e, true)
	}
	if os.Getenv("GOGC") == "" {
		// This process holds hundreds or thousands of peers (and maybe
		// both routers) in one heap, each with its own goroutines, so
		// every collection scans all of them while the live heap stays
		// small: at the default GOGC a burst of set-ups triggers cycles
		// that cost about a fifth of the set-up CPU. Deployed peers are
		// separate processes with small heaps of their own.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	var rp *pairbench.Report
	switch *role {
	case "both":
		if (*routerA == "") != (*routerB == "") {
			return usagef("give both --router-a and --router-b, or neither")
		}
		rp, err = pairbench.Run(ctx, cfg)
	case "dial", "answer":
		if *routerOne == "" {
			return usagef("--role %s needs --router", *role)
		}
		one, herr := parseHostsFlag(*hostsOne)
		if herr != nil {
			return usagef("--hosts: %v", herr)
		}
		if *role == "answer" {
			cfg.RouterB, cfg.HostsB = *routerOne, one
			return pairbench.Answer(ctx, cfg, func() {
				fmt.Fprintf(e.stdout, "ready: %d peers answering at %s\n", *pairs, *routerOne)
			})
		}
		cfg.RouterA, cfg.HostsA = *routerOne, one
		rp, err = pairbench.RunDial(ctx, cfg)
	default:
		return usagef("--role: want both, dial or answer")
	}
	if rp == nil {
		return err
	}
	if terr := rp.WriteTable(e.stdout); terr != nil {
		return terr
	}
	if *out != "" {
		if serr := rp.Save(*out); serr != nil {
			return serr
		}
		fmt.Fprintf(e.stdout, "wrote %s/pairs.csv and %s/pairs.json\n", *out, *out)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// parseHostsFlag parses a --hosts value; "" is the default (nil).
func parseHostsFlag(s string) ([]netip.Addr, error) {
	if s == "" {
		return nil, nil
	}
	return pairbench.ParseHosts(s)
}
