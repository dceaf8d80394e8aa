package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"shoal/internal/tracker/server"
	"shoal/internal/tracker/store"
)

const trackerUsage = `Usage: shoal tracker [--http ADDR] [--udp ADDR] [--data DIR]

Runs a BitTorrent tracker: HTTP announce and scrape (BEP 3, 23, 7, 48)
and the UDP tracker protocol (BEP 15). Swarms are kept in DIR and survive
a restart. A status page is served at / on the HTTP address.
Runs until interrupted.
`

func runTracker(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("tracker", e, trackerUsage)
	httpAddr := fs.String("http", ":6969", "HTTP listen `address` (empty: no HTTP)")
	udpAddr := fs.String("udp", ":6969", "UDP listen `address` (empty: no UDP)")
	data := fs.String("data", "shoal-tracker", "`folder` for the tracker's state")
	verbose := fs.Bool("verbose", false, "log every request to stderr")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	if *httpAddr == "" && *udpAddr == "" {
		return usagef("nothing to serve: give --http or --udp an address")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	if err := os.MkdirAll(*data, 0o755); err != nil {
		return fmt.Errorf("tracker data folder: %w", err)
	}
	st, err := store.OpenBolt(*data, log)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.New(server.Config{HTTPAddr: *httpAddr, UDPAddr: *udpAddr, Store: st, Logger: log})
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer srv.Close()
	if a := srv.HTTPAddr(); a != nil {
		fmt.Fprintf(e.stdout, "tracker: http://%s/announce\n", a)
	}
	if a := srv.UDPAddr(); a != nil {
		fmt.Fprintf(e.stdout, "tracker: udp://%s/announce\n", a)
	}
	<-ctx.Done()
	return nil
}
