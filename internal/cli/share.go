package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/create"
	"shoal/internal/engine"
	"shoal/internal/storage"
	"shoal/internal/tracker/server"
)

const shareUsage = `Usage: shoal share PATH [flags]

Shares a file or folder with no other set-up: makes a torrent of PATH,
starts a tracker for it inside this process, and seeds it. Prints the
.torrent file, a magnet link and the command another machine runs to
fetch it. Runs until interrupted.
` + rendezvousHelp

// superSeedHelp describes --super-seed of share and seed.
const superSeedHelp = "super-seed (BEP 16) while this is the only seed: offer each peer one piece at a time, " +
	"the next once the last has spread to another peer, so that about one copy is uploaded until the peers " +
	"hold every piece between them; then seed normally. For the first seed of a new torrent; slower with few peers. " +
	"Applies to torrents whose data is complete at the start"

// defaultTrackerPort is the embedded tracker's first port.
const defaultTrackerPort = 6969

func runShare(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("share", e, shareUsage)
	var o netOptions
	o.register(fs)
	out := fs.String("o", "", "write the torrent to `FILE` (default: NAME.torrent in the current folder)")
	trackerPort := fs.Int("tracker-port", defaultTrackerPort, "port of the embedded tracker (HTTP and UDP); the next free one is used if taken")
	host := fs.String("announce-host", "", "host name or IP that other machines use to reach this one (default: --bind, or this machine's first non-loopback address)")
	var pieceLen sizeFlag
	fs.Var(&pieceLen, "piece-length", "piece length (default: chosen from the size)")
	superSeed := fs.Bool("super-seed", false, superSeedHelp)
	pos, err := parseFlags(fs, args, 1, 1)
	if err != nil {
		return err
	}
	path, err := filepath.Abs(pos[0])
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("share: %w", err)
	}
	log := o.logger(e.stderr)

	// The tracker comes first: its address goes into the torrent.
	bindHost := o.bind
	trk, err := startTracker(ctx, bindHost, *trackerPort, log)
	if err != nil {
		return err
	}
	defer trk.Close()
	ah := *host
	if ah == "" {
		ah = bindHost
	}
	if ah == "" {
		ah = outboundAddr()
	}
	port := trk.HTTPAddr().(*net.TCPAddr).Port
	announce := "http://" + net.JoinHostPort(ah, strconv.Itoa(port)) + "/announce"
	mi, torrentPath, err := makeTorrent(ctx, e, path, *out, create.Options{
		PieceLength: int64(pieceLen),
		Trackers:    []string{announce},
	}, o.quiet)
	if err != nil {
		return err
	}
	if _, err := trk.Register(mi); err != nil {
		return err
	}
	store, err := storage.Open(filepath.Dir(path), layoutOf(mi), storage.Options{Logger: log, ReadOnly: true})
	if err != nil {
		return err
	}
	defer store.Close()
	defer o.rdv.Stop() // after the session closed
	s, err := o.session(e.stdout, log, nil)
	if err != nil {
		return err
	}
	have := bitfield.New(mi.Info.NumPieces())
	have.SetAll() // every piece was just hashed from these files
	t, err := s.Add(engine.TorrentSpec{
		InfoHash:        mi.InfoHash,
		Name:            mi.Info.Name,
		PieceLength:     mi.Info.PieceLength,
		TotalLength:     mi.Info.TotalLength(),
		Hashes:          mi.Info.Pieces,
		Storage:         store,
		Have:            have,
		Trackers:        mi.Tiers(),
		Peers:           o.peers,
		RendezvousPeers: o.rdv.peers,
		Metadata:        mi.InfoBytes,
		SuperSeed:       *superSeed,
		Private:         mi.Info.Private,
	})
	if err != nil {
		s.Close(context.Background())
		return err
	}
	peerAddr := net.JoinHostPort(ah, strconv.Itoa(s.Port()))
	w := e.stdout
	fmt.Fprintf(w, "sharing %s (%s, %d pieces)\n", mi.Info.Name, formatBytes(mi.Info.TotalLength()), mi.Info.NumPieces())
	fmt.Fprintf(w, "  torrent: %s\n", torrentPath)
	fmt.Fprintf(w, "  magnet:  %s\n", mi.Magnet())
	fmt.Fprintf(w, "  tracker: %s (embedded)\n", announce)
	fmt.Fprintf(w, "  peer:    %s\n", peerAddr)
	fmt.Fprintf(w, "to fetch it on another machine, run:\n")
	fmt.Fprintf(w, "  shoal get '%s' -o DIR\n", mi.Magnet())
	fmt.Fprintf(w, "or copy %s there and run: shoal get %s -o DIR\n", filepath.Base(torrentPath), filepath.Base(torrentPath))
	fmt.Fprintf(w, "press Ctrl-C to stop sharing\n")
	err = watch(ctx, e, &o, []*job{{mi: mi, t: t, start: t.Stats(false)}}, true)
	closeCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s.Close(closeCtx)
	if err != nil && ctx.Err() == nil {
		return err
	}
	return t.Err()
}

// startTracker starts the embedded tracker on the first free port from
// port on.
func startTracker(ctx context.Context, host string, port int, log *slog.Logger) (*server.Server, error) {
	var lastErr error
	for p := port; p < port+10 && p <= 65535; p++ {
		addr := net.JoinHostPort(host, strconv.Itoa(p))
		srv, err := server.New(server.Config{
			HTTPAddr:    addr,
			UDPAddr:     addr,
			Interval:    2 * time.Minute,
			MinInterval: 30 * time.Second,
			Logger:      log,
		})
		if err != nil {
			return nil, err
		}
		if err := srv.Start(ctx); err != nil {
			lastErr = err
			continue
		}
		return srv, nil
	}
	return nil, fmt.Errorf("embedded tracker: no free port in %d-%d: %w (choose another with --tracker-port)", port, port+9, lastErr)
}

// outboundAddr is this machine's first non-loopback address that is up,
// or 127.0.0.1.
func outboundAddr() string {
	ifs, err := net.Interfaces()
	if err != nil {
		return "127.0.0.1"
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if pn, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(pn.IP); ok && ip.Unmap().Is4() && !ip.IsLinkLocalUnicast() {
					return ip.Unmap().String()
				}
			}
		}
	}
	return "127.0.0.1"
}
