package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"shoal/internal/rendezvous/proto"
	"shoal/internal/rendezvous/router"
)

const routerUsage = `Usage: shoal router --cluster NAME [--listen ADDR] [--federate ID@HOST:PORT ...]

Runs the rendezvous router of a cluster. Peers of the cluster register
with it (shoal listen --router ADDR) and ask it to connect them to other
peers by ID; the router introduces the two peers so that they make a
direct TCP link (through NATs where possible) and relays their bytes,
within --relay-max-bytes and --relay-max-time, only when no direct link
can be made.

The router has its own key (--key, made on first start) and prints its ID.
Routers of other clusters are pinned by ID, like SSH host keys:
  --federate ID@HOST:PORT   dial that router and require that ID
  --accept ID               let the router with that ID dial in
A router answers lookups only for its own peers and asks its federated
routers about the rest. Prometheus metrics (with the process's CPU time
and resident memory) are served at /metrics on --metrics ADDR.

Limits: a source IP address may register --register-burst peers at once
(default 256: that many peers behind one NAT address can start
together), then --register-rate a second, and keep --max-per-ip peers
registered; each peer may ask --connect-burst connects at once, then
--connect-rate a second, and each target receive --target-burst, then
--target-rate a second. Raise --register-burst for larger NATs.

Peers pin the router's ID when they are given --router ID@HOST:PORT: the
router signs every registration, and a peer refuses a router that cannot.

Example:
  shoal router --cluster east --listen 198.18.0.10:7000 \
    --federate 3f0c...e1@198.18.0.11:7000
`

func runRouter(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("router", e, routerUsage)
	cluster := fs.String("cluster", "", "`name` of this router's cluster (required)")
	listen := fs.String("listen", ":7000", "TCP `address` to listen on for peers and routers")
	keyPath := fs.String("key", defaultKeyPath("router.key"), "router key `file` (made with mode 0600 if missing)")
	var federate, accept listFlag
	fs.Var(&federate, "federate", "federate with the router `ID@HOST:PORT` (repeatable)")
	fs.Var(&accept, "accept", "accept federation from the router with this `ID` (repeatable)")
	metrics := fs.String("metrics", "", "serve Prometheus metrics at http://`ADDR`/metrics")
	noRelay := fs.Bool("no-relay", false, "never relay; peers without a direct link fail")
	var relayBytes sizeFlag = 64 << 20
	fs.Var(&relayBytes, "relay-max-bytes", "relay at most this `size` per pair and direction, e.g. 64M")
	relayTime := fs.Duration("relay-max-time", 10*time.Minute, "relay a pair for at most this `duration`")
	connectTimeout := fs.Duration("connect-timeout", 5*time.Second, "give a target and its router this `long` to answer")
	ping := fs.Duration("ping", 15*time.Second, "keep-alive and round-trip probe `interval`")
	lim := router.DefaultLimits
	fs.Float64Var(&lim.RegisterRate, "register-rate", lim.RegisterRate, "after the burst, `rate` registrations a second per source IP address")
	fs.IntVar(&lim.RegisterBurst, "register-burst", lim.RegisterBurst, "`n` registrations at once per source IP address (peers behind one NAT register together)")
	fs.IntVar(&lim.PerIP, "max-per-ip", lim.PerIP, "at most `n` registered peers per source IP address")
	fs.IntVar(&lim.Sessions, "max-sessions", lim.Sessions, "at most `n` registered peers in all")
	fs.IntVar(&lim.Handshakes, "max-handshakes", lim.Handshakes, "at most `n` connections still proving their key at once")
	fs.Float64Var(&lim.ConnectRate, "connect-rate", lim.ConnectRate, "after the burst, `rate` connect requests a second per requesting peer")
	fs.IntVar(&lim.ConnectBurst, "connect-burst", lim.ConnectBurst, "`n` connect requests at once per requesting peer")
	fs.Float64Var(&lim.TargetRate, "target-rate", lim.TargetRate, "after the burst, `rate` connect requests a second per target peer")
	fs.IntVar(&lim.TargetBurst, "target-burst", lim.TargetBurst, "`n` connect requests at once per target peer")
	verbose := fs.Bool("verbose", false, "log every registration and connect")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	if *cluster == "" {
		return usagef("--cluster is required")
	}
	if lim.RegisterRate <= 0 || lim.RegisterBurst <= 0 || lim.PerIP <= 0 || lim.Sessions <= 0 || lim.Handshakes <= 0 ||
		lim.ConnectRate <= 0 || lim.ConnectBurst <= 0 || lim.TargetRate <= 0 || lim.TargetBurst <= 0 {
		return usagef("limits must be positive")
	}
	stop, err := envCPUProfile()
	if err != nil {
		return err
	}
	defer stop()
	cfg := router.Config{
		Cluster: *cluster, Listen: *listen, Relay: !*noRelay,
		RelayMaxBytes: int64(relayBytes), RelayMaxDuration: *relayTime,
		ConnectTimeout: *connectTimeout, PingInterval: *ping, Limits: lim,
	}
	for _, f := range federate {
		r, err := router.ParseRemote(f)
		if err != nil {
			return usagef("--federate: %v", err)
		}
		cfg.Federate = append(cfg.Federate, r)
	}
	for _, a := range accept {
		id, err := proto.ParseID(a)
		if err != nil {
			return usagef("--accept: %v", err)
		}
		cfg.Accept = append(cfg.Accept, id)
	}
	key, err := proto.LoadOrCreateKey(*keyPath)
	if err != nil {
		return err
	}
	cfg.Key = key
	cfg.Logger = newLogger(e, *verbose)
	r, err := router.New(cfg)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		return fmt.Errorf("router: listen: %w", err)
	}
	fmt.Fprintf(e.stdout, "router %s of cluster %s on %s\n", r.ID(), *cluster, ln.Addr())
	if *metrics != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", r.MetricsHandler())
		srv := &http.Server{Addr: *metrics, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		mln, err := lc.Listen(ctx, "tcp", *metrics)
		if err != nil {
			ln.Close()
			return fmt.Errorf("router: metrics: %w", err)
		}
		go srv.Serve(mln)
		defer srv.Close()
		fmt.Fprintf(e.stdout, "metrics: http://%s/metrics\n", mln.Addr())
	}
	if err := r.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// defaultKeyPath is name in the user's configuration folder.
func defaultKeyPath(name string) string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return filepath.Join(".shoal", name)
	}
	return filepath.Join(dir, "shoal", name)
}

func newLogger(e env, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}
