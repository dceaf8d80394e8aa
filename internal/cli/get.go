package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"shoal/internal/bt"
	"strings"
	"time"

	"shoal/internal/bitfield"
	"shoal/internal/engine"
	"shoal/internal/metainfo"
	"shoal/internal/storage"
)

const getUsage = `Usage: shoal get [TORRENT|MAGNET ...] [-o DIR] [flags]

Downloads a .torrent file or a magnet link (the torrent's metadata is
then fetched from peers, BEP 9) into DIR (default: the current folder), verifying
every piece, and exits when the download is complete. Pieces already on
disk are kept: run the same command again to resume an interrupted
download. With --seed, keeps seeding until interrupted.

Several torrents run at once in one session, on one port. DIR keeps the
list of its torrents: 'shoal get -o DIR' with no torrent resumes all of
them, paused ones staying paused.

Peers come from the torrent's trackers and from --peer.
` + rendezvousHelp

const seedUsage = `Usage: shoal seed TORRENT --dir DIR [flags]

Seeds a torrent whose data is already in DIR (the folder that holds the
torrent's file or top folder). Pieces are checked on start; missing or
damaged ones are downloaded from peers. Runs until interrupted.
` + rendezvousHelp

// stateDir is where a download folder keeps shoal's resume state, in
// resumeFile.
const (
	stateDir   = ".shoal"
	resumeFile = "resume.db"
)

func runGet(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("get", e, getUsage)
	var o netOptions
	o.register(fs)
	out := fs.String("o", ".", "download `folder`")
	seed := fs.Bool("seed", false, "keep seeding after the download is complete")
	pos, err := parseFlags(fs, args, 0, -1)
	if err != nil {
		return err
	}
	return transfer(ctx, e, &o, pos, *out, *seed, false)
}

func runSeed(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("seed", e, seedUsage)
	var o netOptions
	o.register(fs)
	dir := fs.String("dir", "", "`folder` that holds the torrent's data (required)")
	superSeed := fs.Bool("super-seed", false, superSeedHelp)
	pos, err := parseFlags(fs, args, 1, -1)
	if err != nil {
		return err
	}
	if *dir == "" {
		return usagef("--dir is required: the folder that holds the torrent's data")
	}
	if _, err := os.Stat(*dir); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	return transfer(ctx, e, &o, pos, *dir, true, *superSeed)
}

// transfer downloads (if needed) and optionally seeds torrent files and
// magnet links, all in one session on one port. superSeed super-seeds the
// torrents whose data is complete at the start.
func transfer(ctx context.Context, e env, o *netOptions, sources []string, dir string, seed, superSeed bool) error {
	stopProfile, err := o.profile()
	if err != nil {
		return err
	}
	defer stopProfile()
	log := o.logger(e.stderr)
	mis := make([]*metainfo.MetaInfo, len(sources))
	var mags []int
	for i, src := range sources {
		if strings.HasPrefix(src, "magnet:") {
			mags = append(mags, i)
			continue
		}
		if mis[i], err = loadTorrent(src); err != nil {
			return err
		}
	}
	if len(sources) == 0 {
		if _, err := os.Stat(filepath.Join(dir, stateDir, resumeFile)); err != nil {
			return usagef("no torrent given, and %s holds no saved session to resume", dir)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("download folder: %w", err)
	}
	resume, err := openResume(dir, log)
	if err != nil {
		return err
	}
	defer resume.Close()
	paused := map[bt.InfoHash]bool{}
	if len(sources) == 0 {
		saved, err := resume.SavedTorrents()
		if err != nil {
			return err
		}
		for _, st := range saved {
			mi, err := metainfo.Parse(st.Torrent)
			if err != nil {
				return fmt.Errorf("saved torrent %v: %w", st.InfoHash, err)
			}
			mis = append(mis, mi)
			paused[mi.InfoHash] = st.Paused
		}
		if len(mis) == 0 {
			return usagef("no torrent given, and %s holds no saved session to resume", dir)
		}
		fmt.Fprintf(e.stdout, "resuming the %d torrents of %s\n", len(mis), dir)
	}
	console := o.wantConsole(e)
	if console {
		if err := askLimits(e, o); err != nil {
			return err
		}
	}
	hub, closeEvents, err := openEvents(e, o, console)
	if err != nil {
		return err
	}
	defer closeEvents()
	var onEvent func(engine.Event)
	if hub != nil {
		onEvent = hub.emit
	}
	// The session (and its listening socket) starts only when needed: for
	// magnet links at once, otherwise after the data on disk is checked,
	// so that peers never find the port open but the torrent missing.
	var s *engine.Session
	defer o.rdv.Stop() // after the session closed, by the next defer
	session := func() (*engine.Session, error) {
		if s == nil {
			s, err = o.session(e.stdout, log, onEvent)
		}
		return s, err
	}
	defer func() {
		if s != nil {
			closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s.Close(closeCtx)
		}
	}()
	for _, i := range mags {
		m, err := metainfo.ParseMagnet(sources[i])
		if err != nil {
			return err
		}
		sess, err := session()
		if err != nil {
			return err
		}
		if mis[i], err = metadataFor(ctx, e, o, sess, m, dir); err != nil {
			return err
		}
	}
	seen := map[bt.InfoHash]bool{}
	for _, mi := range mis {
		if seen[mi.InfoHash] {
			return usagef("torrent %s (%s) given twice", mi.Info.Name, mi.InfoHash)
		}
		seen[mi.InfoHash] = true
		if len(sources) > 0 {
			data, err := mi.Encode()
			if err != nil {
				return err
			}
			if err := resume.SaveTorrent(storage.SavedTorrent{InfoHash: mi.InfoHash, Torrent: data}); err != nil {
				return err
			}
		}
	}
	return run(ctx, e, o, session, mis, dir, seed, superSeed, log, console, hub, resume, paused)
}

// job is one torrent of a run.
type job struct {
	mi    *metainfo.MetaInfo
	store *storage.Store
	t     *engine.Torrent
	start engine.Stats
	done  bool
}

// run checks what is on disk, then downloads and seeds the torrents in
// session s, their files under dir.
func run(ctx context.Context, e env, o *netOptions, session func() (*engine.Session, error), mis []*metainfo.MetaInfo, dir string, seed, superSeed bool, log *slog.Logger, console bool, hub *eventHub, resume *storage.Resume, paused map[bt.InfoHash]bool) error {
	jobs := make([]*job, 0, len(mis))
	defer func() {
		for _, j := range jobs {
			j.store.Close()
		}
	}()
	haves := make([]*bitfield.Bitfield, len(mis))
	for i, mi := range mis {
		store, err := storage.Open(dir, layoutOf(mi), storage.Options{Logger: log})
		if err != nil {
			return err
		}
		jobs = append(jobs, &job{mi: mi, store: store})
		if haves[i], err = startup(ctx, e, o, store, resume, mi); err != nil {
			return err
		}
	}
	s, err := session()
	if err != nil {
		return err
	}
	for i, j := range jobs {
		mi := j.mi
		ih := mi.InfoHash
		j.t, err = s.Add(engine.TorrentSpec{
			InfoHash:        ih,
			Name:            mi.Info.Name,
			PieceLength:     mi.Info.PieceLength,
			TotalLength:     mi.Info.TotalLength(),
			Hashes:          mi.Info.Pieces,
			Storage:         j.store,
			Have:            haves[i],
			OnVerified:      func(p int) { resume.MarkVerified(ih, p) },
			Trackers:        mi.Tiers(),
			Peers:           o.peers,
			RendezvousPeers: o.rdv.peers,
			Metadata:        mi.InfoBytes,
			SuperSeed:       superSeed,
			Private:         mi.Info.Private,
		})
		if err != nil {
			return err
		}
		if paused[ih] {
			j.t.Pause()
		}
		j.start = j.t.Stats(false)
		fmt.Fprintf(e.stdout, "%s: %s in %d pieces, listening on port %d\n", mi.Info.Name, formatBytes(mi.Info.TotalLength()), mi.Info.NumPieces(), s.Port())
		if len(mi.Tiers()) == 0 && len(o.peers) == 0 && len(o.rdv.peers) == 0 {
			fmt.Fprintf(e.stdout, "%s: the torrent has no tracker and no --peer was given: waiting for peers to connect\n", mi.Info.Name)
		}
	}
	var werr error
	if console {
		werr = watchConsole(ctx, e, s, jobs, seed, hub, resume)
	} else {
		werr = watch(ctx, e, o, jobs, seed)
	}
	if werr != nil && !errors.Is(werr, errStopped) {
		return werr
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, j := range jobs {
		s.Remove(closeCtx, j.t)
		if err := j.t.Err(); err != nil {
			return err
		}
		if err := j.store.CreateEmpty(); err != nil {
			return err
		}
	}
	if err := resume.Flush(); err != nil {
		return err
	}
	return werr
}

func openResume(dir string, log *slog.Logger) (*storage.Resume, error) {
	sd := filepath.Join(dir, stateDir)
	if err := os.MkdirAll(sd, 0o755); err != nil {
		return nil, fmt.Errorf("resume state: %w", err)
	}
	r, err := storage.OpenResume(filepath.Join(sd, resumeFile), storage.ResumeOptions{Logger: log})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// startup finds which pieces are already on disk and says so.
func startup(ctx context.Context, e env, o *netOptions, store *storage.Store, resume *storage.Resume, mi *metainfo.MetaInfo) (*bitfield.Bitfield, error) {
	n := mi.Info.NumPieces()
	p := newProgress(e.stderr, o.quiet)
	have, fast, err := storage.Startup(ctx, store, resume, mi.InfoHash, runtime.NumCPU(), func(done, total int) {
		p.update(fmt.Sprintf("checking %d/%d pieces", done, total))
	})
	p.clear()
	if err != nil {
		return nil, err
	}
	how := "checked"
	if fast {
		how = "from resume state"
	}
	fmt.Fprintf(e.stdout, "%s: resume: %d/%d pieces verified (%s)\n", mi.Info.Name, have.Count(), n, how)
	return have, nil
}

// watch shows progress until the torrent completes (and, when seeding,
// until ctx ends).
// watch shows progress until every torrent completes (and, when seeding,
// until ctx ends).
func watch(ctx context.Context, e env, o *netOptions, jobs []*job, seed bool) error {
	p := newProgress(e.stderr, o.quiet)
	defer p.clear()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	announced := false
	// Wake at once when a torrent completes, not at the next tick.
	finished := make(chan struct{}, len(jobs))
	for _, j := range jobs {
		go func() {
			select {
			case <-j.t.Done():
				finished <- struct{}{}
			case <-ctx.Done():
			}
		}()
	}
	for {
		left := 0
		for _, j := range jobs {
			if j.done {
				continue
			}
			if !isClosed(j.t.Done()) {
				left++
				continue
			}
			j.done = true
			p.clear()
			if !j.start.Seeding {
				st := j.t.Stats(false)
				got := st.Downloaded - j.start.Downloaded
				d := time.Since(start)
				fmt.Fprintf(e.stdout, "%s: complete: %s downloaded in %s (%s), verified\n", j.mi.Info.Name, formatBytes(got), d.Round(10*time.Millisecond), formatRate(float64(got)/d.Seconds()))
			}
		}
		if left == 0 {
			if !seed {
				return nil
			}
			if !announced {
				announced = true
				fmt.Fprintln(e.stdout, "seeding; press Ctrl-C to stop")
			}
		}
		select {
		case <-ctx.Done():
			if seed {
				return nil // stopping is how seeding ends
			}
			return ctx.Err()
		case <-finished:
			continue
		case <-tick.C:
		}
		var lines []string
		for _, j := range jobs {
			st := j.t.Stats(false)
			if st.Err != nil {
				return fmt.Errorf("%s: %w", j.mi.Info.Name, st.Err)
			}
			line := progressLine(st)
			if len(jobs) > 1 {
				line = shorten(j.mi.Info.Name, 16) + " " + line
			}
			lines = append(lines, line)
		}
		p.update(strings.Join(lines, " | "))
	}
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func progressLine(st engine.Stats) string {
	pct := 100 * float64(st.TotalLength-st.Left) / float64(st.TotalLength)
	status := fmt.Sprintf("%5.1f%%  down %s  up %s  peers %d/%d", pct, formatRate(st.DownRate), formatRate(st.UpRate), st.Connected, st.Known)
	if st.Seeding {
		status = fmt.Sprintf("seeding  up %s  uploaded %s  peers %d", formatRate(st.UpRate), formatBytes(st.Uploaded), st.Connected)
	} else if st.DownRate > 0 {
		eta := time.Duration(float64(st.Left) / st.DownRate * float64(time.Second))
		status += "  eta " + formatETA(eta)
	}
	if st.Tracker.Err != nil && st.Connected == 0 {
		msg := st.Tracker.Err.Error()
		if len(msg) > 70 {
			msg = msg[:67] + "..."
		}
		status += "  tracker: " + msg
	}
	return status
}

func formatETA(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}
