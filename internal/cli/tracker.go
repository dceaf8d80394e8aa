package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"shoal/internal/tracker/server"
	"shoal/internal/tracker/store"
)

const trackerUsage = `Usage: shoal tracker [--http ADDR] [--udp ADDR] [--data DIR]

Runs a BitTorrent tracker: HTTP announce and scrape (BEP 3, 23, 7, 48)
and the UDP tracker protocol (BEP 15). Swarms are kept in DIR and survive
a restart. A status page is served at / on the HTTP address.
Runs until interrupted.

--torrents DIR registers the .torrent files in DIR, so that the status page
shows their names; DIR is rescanned every minute and on SIGHUP. With
--allow-list only registered torrents are answered (a private tracker).
--allow-upload accepts .torrent files at POST /torrents on the HTTP address
(saved into DIR), from --upload-from addresses only (default: this machine)
and with the token of --upload-token-file if given:
  curl --data-binary @x.torrent -H "Authorization: Bearer TOKEN" \
    http://127.0.0.1:6969/torrents
Each source address (IPv6: each /64) may make --rate-limit requests a
second, in bursts of ten times that. Prometheus metrics are at /metrics.
`

func runTracker(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("tracker", e, trackerUsage)
	httpAddr := fs.String("http", ":6969", "HTTP listen `address` (empty: no HTTP)")
	udpAddr := fs.String("udp", ":6969", "UDP listen `address` (empty: no UDP)")
	data := fs.String("data", "shoal-tracker", "`folder` for the tracker's state")
	storeURL := fs.String("store", "", "keep the state in Redis at `redis://HOST:PORT/N`, shared by every tracker given the same URL (--data is then unused)")
	verbose := fs.Bool("verbose", false, "log every request to stderr")
	extra := addTrackerExtraFlags(fs)
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	if *httpAddr == "" && *udpAddr == "" {
		return usagef("nothing to serve: give --http or --udp an address")
	}
	stop, err := envCPUProfile()
	if err != nil {
		return err
	}
	defer stop()
	cfg := server.Config{HTTPAddr: *httpAddr, UDPAddr: *udpAddr}
	if err := extra.apply(&cfg); err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	st, err := openTrackerStore(ctx, *storeURL, *data, log)
	if err != nil {
		return err
	}
	defer st.Close()
	cfg.Store, cfg.Logger = st, log
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer srv.Close()
	if cfg.TorrentDir != "" {
		defer rescanOnHangup(srv, log)()
	}
	if a := srv.HTTPAddr(); a != nil {
		fmt.Fprintf(e.stdout, "tracker: http://%s/announce\n", a)
	}
	if a := srv.UDPAddr(); a != nil {
		fmt.Fprintf(e.stdout, "tracker: udp://%s/announce\n", a)
	}
	<-ctx.Done()
	return nil
}

// openTrackerStore opens the Redis store at storeURL if given, else the
// bbolt store in the data folder.
func openTrackerStore(ctx context.Context, storeURL, data string, log *slog.Logger) (store.Store, error) {
	if storeURL != "" {
		if !strings.HasPrefix(storeURL, "redis://") && !strings.HasPrefix(storeURL, "rediss://") {
			return nil, usagef("--store: want redis://HOST:PORT/N or rediss://HOST:PORT/N")
		}
		r, err := store.OpenRedis(ctx, storeURL, store.RedisConfig{Logger: log})
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, fmt.Errorf("tracker data folder: %w", err)
	}
	b, err := store.OpenBolt(data, log)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// trackerExtraFlags are the flags of the torrent registry, uploads and
// rate limits.
type trackerExtraFlags struct {
	torrents, uploadFrom, tokenFile *string
	allowList, allowUpload          *bool
	rateLimit                       *float64
	rateBurst                       *int
}

func addTrackerExtraFlags(fs *flagSet) *trackerExtraFlags {
	return &trackerExtraFlags{
		torrents:    fs.String("torrents", "", "register the .torrent files in `folder` (rescanned every minute and on SIGHUP)"),
		allowList:   fs.Bool("allow-list", false, "answer only registered torrents (--torrents, uploads)"),
		allowUpload: fs.Bool("allow-upload", false, "accept .torrent uploads at POST /torrents, saved into --torrents"),
		uploadFrom:  fs.String("upload-from", "", "comma-separated `addresses` or prefixes allowed to upload (default loopback)"),
		tokenFile:   fs.String("upload-token-file", "", "`file` holding the token uploads must send as \"Authorization: Bearer TOKEN\""),
		rateLimit:   fs.Float64("rate-limit", 20, "`requests` a second allowed per source address (0: no limit)"),
		rateBurst:   fs.Int("rate-burst", 0, "burst `size` per source address (default 10 x --rate-limit)"),
	}
}

// apply checks the flags and sets them in cfg.
func (f *trackerExtraFlags) apply(cfg *server.Config) error {
	if *f.rateLimit < 0 || *f.rateBurst < 0 {
		return usagef("--rate-limit and --rate-burst must not be negative")
	}
	if *f.allowList && *f.torrents == "" && !*f.allowUpload {
		return usagef("--allow-list needs --torrents or --allow-upload: no torrent would be answered")
	}
	if !*f.allowUpload && (*f.uploadFrom != "" || *f.tokenFile != "") {
		return usagef("--upload-from and --upload-token-file need --allow-upload")
	}
	cfg.TorrentDir, cfg.AllowList, cfg.AllowUpload = *f.torrents, *f.allowList, *f.allowUpload
	cfg.RateLimit, cfg.RateBurst = *f.rateLimit, *f.rateBurst
	for item := range strings.SplitSeq(*f.uploadFrom, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			a, aerr := netip.ParseAddr(item)
			if aerr != nil {
				return usagef("--upload-from: %q is not an address or prefix", item)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		cfg.UploadFrom = append(cfg.UploadFrom, p)
	}
	if *f.tokenFile != "" {
		b, err := os.ReadFile(*f.tokenFile)
		if err != nil {
			return fmt.Errorf("upload token: %w", err)
		}
		if cfg.UploadToken = strings.TrimSpace(string(b)); cfg.UploadToken == "" {
			return fmt.Errorf("upload token: %s is empty", *f.tokenFile)
		}
	}
	if cfg.AllowUpload && cfg.TorrentDir != "" {
		if err := os.MkdirAll(cfg.TorrentDir, 0o755); err != nil {
			return fmt.Errorf("torrent folder: %w", err)
		}
	}
	return nil
}

// rescanOnHangup rescans the tracker's torrent folder on every SIGHUP until
// the returned function is called.
func rescanOnHangup(srv *server.Server, log *slog.Logger) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-hup:
				if err := srv.Rescan(); err != nil {
					log.Error("tracker: rescan", "err", err)
				}
			}
		}
	})
	return func() {
		signal.Stop(hup)
		close(done)
		wg.Wait()
	}
}

// envCPUProfile starts a CPU profile into the file named by
// SHOAL_CPUPROFILE, if set, for benchmark scripts that profile a server
// (deliberately not a flag); stop writes it out.
func envCPUProfile() (stop func(), err error) { return startCPUProfile(os.Getenv("SHOAL_CPUPROFILE")) }
