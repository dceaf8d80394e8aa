package interop

import (
	"bufio"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sessions: several torrents in one shoal process, on one port, with the
// session's rate limits, event log and saved list of torrents.

// shoalSession runs `shoal SUB TORRENT... DIRFLAG DIR` with the usual network
// flags; with no torrent, `shoal get -o DIR` resumes the folder's torrents.
func (h *harness) shoalSession(name, sub string, torrents []string, dir string, at endpoint, peers []endpoint, extra ...string) *proc {
	h.t.Helper()
	dirFlag := "-o"
	if sub == "seed" {
		dirFlag = "--dir"
	}
	argv := append([]string{shoalBin(h.t), sub}, torrents...)
	argv = append(argv, dirFlag, dir, "--port", fmt.Sprint(at.port), "--bind", at.ip, shoalVerbose)
	argv = append(argv, peerFlags(peers)...)
	argv = append(argv, extra...)
	return h.start(name, dir, h.shoalEnv(), argv...)
}

// shoalReady waits until a shoal process has added its n torrents to its
// session and listens: before that, it accepts connections but turns away
// handshakes for the torrents it is still checking, and the peer that was
// turned away only retries after a back-off.
func (h *harness) shoalReady(p *proc, at endpoint, n int) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("%s to add its %d torrent(s)", p.name, n), readyTimeout, func() bool {
		_, lines := listeningPorts(p.log())
		return lines >= n
	}, p)
	h.waitListening(at.String(), p)
}

// payload is one torrent made for a session test.
type payload struct {
	src     string // file or top folder
	torrent string
	tf      torrentFile
}

// makePayload writes random files under src/NAME and makes a torrent of
// them: files maps paths inside NAME to sizes, and the single key "" makes
// NAME itself a single-file payload.
func (h *harness) makePayload(name string, pieceLen int64, files map[string]int64) payload {
	h.t.Helper()
	src := h.path("src", name)
	if len(files) == 1 && files[""] > 0 {
		h.writeRandom(src, files[""])
	} else {
		for rel, size := range files {
			h.writeRandom(filepath.Join(src, filepath.FromSlash(rel)), size)
		}
	}
	torrent, tf := h.shoalCreate(src, h.path(name+".torrent"), "--piece-length", fmt.Sprint(pieceLen))
	if tf.Name != name {
		h.fatalf("torrent name is %q, want %q", tf.Name, name)
	}
	return payload{src: src, torrent: torrent, tf: tf}
}

// readEventsOf parses the event log of p, failing the test if it cannot.
func (h *harness) readEventsOf(p *proc, path string) []event {
	h.t.Helper()
	evs, err := readEvents(path, p.started)
	if err != nil {
		h.fatalf("%s's event log: %v", p.name, err)
	}
	return evs
}

// requireKinds fails unless every group has at least one event of one of its
// kinds.
func (h *harness) requireKinds(who string, kinds map[string]int, groups ...[]string) {
	h.t.Helper()
	var miss []string
	for _, g := range groups {
		found := false
		for _, k := range g {
			found = found || kinds[k] > 0
		}
		if !found {
			miss = append(miss, strings.Join(g, " or "))
		}
	}
	if len(miss) > 0 {
		h.fatalf("%s's event log has no %s event; kinds seen: %s", who, strings.Join(miss, ", no "), formatKinds(kinds))
	}
}

// TestSessionThreeTorrents: one shoal process downloads three torrents at
// once, on one port, from a mix of seeders: one shoal process seeding two of
// them and libtorrent seeding the third. Every file must arrive intact and
// both shoal event logs must show each kind of protocol event.
func TestSessionThreeTorrents(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shoalBin(t)
	requireTool(t, "libtorrent")
	const pieceLen = 64 * kib
	alpha := h.makePayload("alpha.bin", pieceLen, map[string]int64{"": 3*mib + 1234})
	bravo := h.makePayload("bravo", pieceLen, map[string]int64{
		"one.bin":              1*mib + 3,
		"sub/two.bin":          2*mib + 77,
		"sub/deeper/three.txt": 999,
		"four.bin":             700 * kib,
	})
	charlie := h.makePayload("charlie.bin", pieceLen, map[string]int64{"": 4*mib + 17})

	// Seeders: shoal for alpha and bravo in one process, libtorrent for charlie.
	shoalDir, ltDir := h.mkdir("seed-shoal"), h.mkdir("seed-lt")
	h.copyInto(alpha.src, shoalDir)
	h.copyInto(bravo.src, shoalDir)
	h.copyInto(charlie.src, ltDir)
	shoalAt, ltAt, getAt := h.at("127.0.0.1"), h.at("127.0.0.1"), h.at("127.0.0.1")
	seedEvents := h.path("seed-shoal.events")
	seeder := h.shoalSession("shoal-seed", "seed", []string{alpha.torrent, bravo.torrent}, shoalDir, shoalAt, nil,
		"--quiet", "--events", seedEvents)
	lt := h.libtorrent("lt-seed", "seed", charlie.torrent, ltDir, ltAt, nil)
	h.shoalReady(seeder, shoalAt, 2)
	h.ltSeedReady(lt)

	// One downloader for all three, knowing both seeders.
	getDir := h.mkdir("get")
	getEvents := h.path("get.events")
	getter := h.shoalSession("shoal-get", "get", []string{alpha.torrent, bravo.torrent, charlie.torrent}, getDir, getAt,
		[]endpoint{shoalAt, ltAt}, "--quiet", "--events", getEvents)
	ports := watchListenPorts(getter)
	took := h.waitExit(getter, transferTimeout, seeder, lt)
	for _, p := range []payload{alpha, bravo, charlie} {
		h.sameContent(p.src, filepath.Join(getDir, p.tf.Name))
	}
	total := alpha.tf.Length + bravo.tf.Length + charlie.tf.Length
	t.Logf("three torrents, %d bytes, downloaded at once in %.2fs (%.1f MB/s, including start-up)",
		total, took.Seconds(), float64(total)/took.Seconds()/1e6)

	// One listening port for the whole session.
	announced, lines := listeningPorts(getter.log())
	if lines != 3 || len(announced) != 1 {
		h.fatalf(`want three "listening on port" lines with one port, got %d lines with ports %v`, lines, announced)
	}
	if announced[0] != getAt.port {
		t.Logf("the getter listened on port %d instead of --port %d (taken meanwhile)", announced[0], getAt.port)
	}
	if seen, samples := ports.result(); samples > 0 {
		if !slices.Equal(seen, announced) {
			h.fatalf("the getter listened on TCP ports %v (%d samples of /proc), want only %v", seen, samples, announced)
		}
		t.Logf("the getter listened on TCP port %v only (%d samples of its sockets)", seen, samples)
	} else {
		t.Logf("the getter ended before its sockets could be sampled; judging by its output only")
	}

	// The downloader's event log: each torrent came from its seeder.
	evs := h.readEventsOf(getter, getEvents)
	kinds := eventKinds(evs)
	t.Logf("getter events: %s", formatKinds(kinds))
	h.requireKinds(getter.name, kinds,
		[]string{"piece recv"}, []string{"request sent"}, []string{"bitfield recv", "have all recv"},
		[]string{"unchoke recv"}, []string{"interested sent"}, []string{"have sent"})
	for _, c := range []struct {
		p    payload
		from endpoint
	}{{alpha, shoalAt}, {bravo, shoalAt}, {charlie, ltAt}} {
		var got int64
		for _, e := range evs {
			if e.kind == "piece recv" && e.torrent == c.p.tf.Name {
				if e.peer != c.from.String() {
					h.fatalf("getter's event log: %s block from %s, want only from %s: %q %q",
						c.p.tf.Name, e.peer, c.from, e.kind, e.detail)
				}
				got += e.bytes
			}
		}
		if got < c.p.tf.Length {
			h.fatalf("getter's event log: %d block bytes of %s received, the torrent has %d", got, c.p.tf.Name, c.p.tf.Length)
		}
	}

	// The shoal seeder's event log, once it has stopped and flushed it.
	seeder.stop(stopGrace)
	sevs := h.readEventsOf(seeder, seedEvents)
	skinds := eventKinds(sevs)
	t.Logf("seeder events: %s", formatKinds(skinds))
	h.requireKinds(seeder.name, skinds, []string{"piece sent"}, []string{"request recv"}, []string{"unchoke sent"},
		[]string{"interested recv"}, []string{"bitfield sent", "have all sent"})
	for _, p := range []payload{alpha, bravo} {
		if n := blockBytes(sevs, "piece sent", p.tf.Name, time.Time{}, time.Now().Add(time.Hour)); n < p.tf.Length {
			h.fatalf("seeder's event log: %d block bytes of %s sent, the torrent has %d", n, p.tf.Name, p.tf.Length)
		}
	}
}

// resumeInfo is what a restarted session printed about one torrent.
type resumeInfo struct {
	verified, total int
	how             string
}

// resumeLineRE matches the "NAME: resume: N/M pieces verified (how)" line
// shoal prints for each torrent once the data on disk is checked.
var resumeLineRE = regexp.MustCompile(`^(.+): resume: (\d+)/(\d+) pieces verified \(([^)]*)\)`)

// parseResumes collects the resume lines of a shoal log by torrent name.
func parseResumes(log string) map[string]resumeInfo {
	out := map[string]resumeInfo{}
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		if m := resumeLineRE.FindStringSubmatch(sc.Text()); m != nil {
			v, _ := strconv.Atoi(m[2])
			n, _ := strconv.Atoi(m[3])
			out[m[1]] = resumeInfo{verified: v, total: n, how: m[4]}
		}
	}
	return out
}

// TestSessionRestart: a session with two torrents is killed with SIGKILL
// while both are partly downloaded. `shoal get -o DIR` without torrents must
// find both in the folder's saved session, keep the verified pieces and
// complete them.
func TestSessionRestart(t *testing.T) {
	t.Parallel()
	const (
		pieceLen = 64 * kib
		upLimit  = "1MiB" // seeder, whole session
		lo, hi   = 0.20, 0.80
		slack    = 4 // pieces complete on disk that may be fetched again
	)
	h := newHarness(t)
	shoalBin(t)
	one := h.makePayload("one.bin", pieceLen, map[string]int64{"": 8 * mib})
	two := h.makePayload("two.bin", pieceLen, map[string]int64{"": 8*mib + 4321})
	pays := []payload{one, two}

	seedDir := h.mkdir("seed")
	h.copyInto(one.src, seedDir)
	h.copyInto(two.src, seedDir)
	seedAt := h.at("127.0.0.1")
	seeder := h.shoalSession("shoal-seed", "seed", []string{one.torrent, two.torrent}, seedDir, seedAt, nil,
		"--quiet", "--max-up", upLimit)
	h.shoalReady(seeder, seedAt, 2)

	dir := h.mkdir("get")
	getAt := h.at("127.0.0.1")
	first := h.shoalSession("shoal-get1", "get", []string{one.torrent, two.torrent}, dir, getAt, []endpoint{seedAt}, "--quiet")
	disks := make([]*pieceChecker, len(pays))
	for i, p := range pays {
		disks[i] = newPieceChecker(p.tf, filepath.Join(dir, p.tf.Name))
	}
	frac := func(i int) float64 { return float64(disks[i].count()) / float64(len(pays[i].tf.Pieces)) }
	h.waitFor(fmt.Sprintf("both torrents %.0f%%-%.0f%% on disk", lo*100, hi*100), transferTimeout, func() bool {
		a, b := frac(0), frac(1)
		if first.exited() {
			h.fatalf("the session ended (%s) before it could be killed: %.0f%% and %.0f%% on disk", first.status(), a*100, b*100)
		}
		if (a > hi && b < lo) || (b > hi && a < lo) {
			h.fatalf("the torrents did not progress together: %.0f%% and %.0f%% on disk", a*100, b*100)
		}
		return a >= lo && a <= hi && b >= lo && b <= hi
	}, seeder)
	killedAfter := time.Since(first.started)
	first.kill()
	onDisk := []int{disks[0].count(), disks[1].count()} // final: nothing writes any more
	t.Logf("killed the session after %.1fs with %d/%d and %d/%d pieces complete on disk", killedAfter.Seconds(),
		onDisk[0], len(one.tf.Pieces), onDisk[1], len(two.tf.Pieces))

	second := h.shoalSession("shoal-get2", "get", nil, dir, getAt, []endpoint{seedAt}, "--quiet")
	took := h.waitExit(second, transferTimeout, seeder)
	log := second.log()
	if !strings.Contains(log, "resuming the 2 torrents") {
		h.fatalf(`the restarted session did not print "resuming the 2 torrents"`)
	}
	for _, p := range pays {
		h.sameContent(p.src, filepath.Join(dir, p.tf.Name))
	}
	res := parseResumes(log)
	for i, p := range pays {
		r, ok := res[p.tf.Name]
		if !ok {
			h.fatalf(`the restarted session printed no "resume: N/M pieces verified" line for %s (found %v)`, p.tf.Name, res)
		}
		t.Logf("%s: resumed with %d/%d pieces verified (%s), %d were complete on disk, %d left to fetch",
			p.tf.Name, r.verified, r.total, r.how, onDisk[i], r.total-r.verified)
		switch {
		case r.total != len(p.tf.Pieces):
			h.fatalf("%s: resume line says %d pieces in all, the torrent has %d", p.tf.Name, r.total, len(p.tf.Pieces))
		case r.verified > onDisk[i]:
			h.fatalf("%s: the restarted session claims %d verified pieces, but only %d were complete and correct on disk",
				p.tf.Name, r.verified, onDisk[i])
		case onDisk[i]-r.verified > slack:
			h.fatalf("%s: the restarted session kept %d pieces, but %d were complete on disk: %d complete pieces "+
				"are fetched again (at most %d allowed)", p.tf.Name, r.verified, onDisk[i], onDisk[i]-r.verified, slack)
		}
	}
	t.Logf("the restarted session completed both torrents in %.1fs", took.Seconds())
}

// rateCheck compares a measured rate with the wanted one.
func rateCheck(got, want, tol float64) (dev float64, ok bool) {
	dev = got/want - 1
	return dev, math.Abs(dev) <= tol
}

// TestSessionRateLimits measures shoal's session rate limits on real
// transfers, from the event logs: each "piece sent" or "piece recv" line
// carries the block's size and time.
//
//   - Caps, two transfers at once: a seeder with --max-up 1MiB, whose upload
//     over 20 s must be within ±10% of 1 MiB/s; and a getter with --max-down
//     1MiB from an unlimited seeder, whose download over 20 s must be within
//     ±10% of 1 MiB/s.
//   - Split: one seeder process with --max-up 2MiB seeding two torrents.
//     After the session's 30 s re-allocation each torrent's share is
//     Umax/Fn = 1 MiB/s; each torrent's upload over 20 s must be within ±15%.
func TestSessionRateLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("rate measurements take about a minute")
	}
	t.Parallel()
	t.Run("Caps", func(t *testing.T) {
		t.Parallel()
		runCaps(t)
	})
	t.Run("Split", func(t *testing.T) {
		t.Parallel()
		runSplit(t)
	})
}

const (
	rateWindow = 20 * time.Second
	rateWarmup = 2 * time.Second // after the first block, before the window
)

// capRun is one transfer of a torrent with a 1 MiB/s limit: flag is --max-up
// on the seeder or --max-down on the getter.
type capRun struct {
	flag                  string
	seeder, getter        *proc
	seedEvents, getEvents string
}

// startCap starts a capped transfer of a fresh 40 MiB torrent.
func (h *harness) startCap(name, flag string) capRun {
	h.t.Helper()
	p := h.makePayload(name+".bin", 256*kib, map[string]int64{"": 40 * mib})
	seedDir, getDir := h.mkdir(name+"-seed"), h.mkdir(name+"-get")
	h.copyInto(p.src, seedDir)
	seedAt, getAt := h.at("127.0.0.1"), h.at("127.0.0.1")
	var seedExtra, getExtra []string
	if flag == "--max-up" {
		seedExtra = []string{flag, "1MiB"}
	} else {
		getExtra = []string{flag, "1MiB"}
	}
	r := capRun{flag: flag, seedEvents: h.path(name + "-seed.events"), getEvents: h.path(name + "-get.events")}
	r.seeder = h.shoalSession("shoal-seed-"+name, "seed", []string{p.torrent}, seedDir, seedAt, nil,
		append([]string{"--quiet", "--events", r.seedEvents}, seedExtra...)...)
	h.shoalReady(r.seeder, seedAt, 1)
	r.getter = h.shoalSession("shoal-get-"+name, "get", []string{p.torrent}, getDir, getAt, []endpoint{seedAt},
		append([]string{"--quiet", "--events", r.getEvents}, getExtra...)...)
	return r
}

// stop ends both processes, which flushes their event logs.
func (r capRun) stop() {
	r.getter.stop(stopGrace)
	r.seeder.stop(stopGrace)
}

// measureCap describes the capped side's rate over the window from the event
// logs, and reports whether it is within 10% of 1 MiB/s.
func (h *harness) measureCap(r capRun) (string, bool) {
	h.t.Helper()
	const (
		limit = 1 * mib
		tol   = 0.10
	)
	sevs, gevs := h.readEventsOf(r.seeder, r.seedEvents), h.readEventsOf(r.getter, r.getEvents)
	first, last, ok := firstLast(sevs, "piece sent", "")
	if !ok {
		return fmt.Sprintf("%s: the seeder's event log has no piece sent; kinds: %s", r.flag, formatKinds(eventKinds(sevs))), false
	}
	from := first.Add(rateWarmup)
	to := from.Add(rateWindow)
	if last.Before(to.Add(-time.Second)) {
		return fmt.Sprintf("%s: the transfer ran from %s to %s, not long enough for a %s window after %s of warm-up",
			r.flag, first.Format("15:04:05.000"), last.Format("15:04:05.000"), rateWindow, rateWarmup), false
	}
	sent := float64(blockBytes(sevs, "piece sent", "", from, to)) / rateWindow.Seconds()
	recv := float64(blockBytes(gevs, "piece recv", "", from, to)) / rateWindow.Seconds()
	measured, side := sent, "seeder's upload"
	if r.flag == "--max-down" {
		measured, side = recv, "getter's download"
	}
	dev, ok := rateCheck(measured, limit, tol)
	return fmt.Sprintf("%s 1MiB: %s over %s from %s = %.0f B/s (%.3f MiB/s, %+.1f%%, want within ±%.0f%%); "+
		"seeder sent %.3f MiB/s, getter received %.3f MiB/s", r.flag, side, rateWindow, from.Format("15:04:05.000"),
		measured, measured/mib, 100*dev, 100*tol, sent/mib, recv/mib), ok
}

// runCaps runs an upload-capped and a download-capped transfer at once and
// measures each over 20 s.
func runCaps(t *testing.T) {
	h := newHarness(t)
	shoalBin(t)
	up := h.startCap("up", "--max-up")
	down := h.startCap("down", "--max-down")
	// Connection set-up, warm-up and window, with a margin.
	h.sleepWatching(rateWarmup+rateWindow+4*time.Second, up.seeder, up.getter, down.seeder, down.getter)
	up.stop()
	down.stop()
	var bad []string
	for _, r := range []capRun{up, down} {
		msg, ok := h.measureCap(r)
		t.Log(msg)
		if !ok {
			bad = append(bad, msg)
		}
	}
	if len(bad) > 0 {
		h.fatalf("rate limits not held:\n%s", strings.Join(bad, "\n"))
	}
}

// runSplit seeds two torrents from one process with --max-up 2MiB and
// measures each torrent's upload after the 30 s re-allocation. The demand is
// lopsided on purpose: three getters want the left torrent and one the right,
// so while both torrents share the session's bucket (before the first
// re-allocation with both uploading) the left one takes about three quarters
// of it; afterwards each must get Umax/Fn.
func runSplit(t *testing.T) {
	const (
		umax       = 2 * mib
		fn         = 2
		tol        = 0.15
		alloc      = 30 * time.Second // the session's re-allocation period
		leftPeers  = 3
		rightPeers = 1
	)
	h := newHarness(t)
	shoalBin(t)
	// Each torrent must still be uploading to every getter when the window
	// ends, about 55 s in.
	a := h.makePayload("left.bin", 256*kib, map[string]int64{"": 72 * mib})
	b := h.makePayload("right.bin", 256*kib, map[string]int64{"": 72 * mib})
	seedDir := h.mkdir("seed")
	h.copyInto(a.src, seedDir)
	h.copyInto(b.src, seedDir)
	seedAt := h.at("127.0.0.1")
	seedEvents := h.path("seed.events")
	seeder := h.shoalSession("shoal-seed", "seed", []string{a.torrent, b.torrent}, seedDir, seedAt, nil,
		"--quiet", "--events", seedEvents, "--max-up", "2MiB")
	h.shoalReady(seeder, seedAt, 2)
	watch := []*proc{seeder}
	for _, g := range []struct {
		p payload
		n int
	}{{a, leftPeers}, {b, rightPeers}} {
		for i := range g.n {
			name := fmt.Sprintf("shoal-get-%s-%d", strings.TrimSuffix(g.p.tf.Name, ".bin"), i+1)
			watch = append(watch, h.shoalSession(name, "get", []string{g.p.torrent}, h.mkdir(name), h.at("127.0.0.1"),
				[]endpoint{seedAt}, "--quiet"))
		}
	}

	// The seeder's session starts its 30 s re-allocation ticker at start-up
	// (before the data is checked), so the first re-allocation with both
	// torrents uploading happens by seeder start + 30 s.
	from := seeder.started.Add(alloc + time.Second)
	to := from.Add(rateWindow)
	h.sleepWatching(time.Until(to)+time.Second, watch...)
	for _, p := range watch[1:] {
		p.stop(stopGrace)
	}
	seeder.stop(stopGrace)

	evs := h.readEventsOf(seeder, seedEvents)
	want := float64(umax / fn)
	var bad []string
	for _, p := range []payload{a, b} {
		first, last, ok := firstLast(evs, "piece sent", p.tf.Name)
		if !ok || last.Before(to.Add(-time.Second)) {
			h.fatalf("%s: the seeder's blocks went out from %s to %s (ok=%v), which does not cover the window %s-%s",
				p.tf.Name, first.Format("15:04:05.000"), last.Format("15:04:05.000"), ok,
				from.Format("15:04:05.000"), to.Format("15:04:05.000"))
		}
		before := float64(blockBytes(evs, "piece sent", p.tf.Name, first.Add(rateWarmup), seeder.started.Add(alloc))) /
			seeder.started.Add(alloc).Sub(first.Add(rateWarmup)).Seconds()
		got := float64(blockBytes(evs, "piece sent", p.tf.Name, from, to)) / rateWindow.Seconds()
		dev, ok := rateCheck(got, want, tol)
		t.Logf("%s: uploaded %.0f B/s (%.3f MiB/s, %+.1f%% off Umax/Fn = %.0f B/s) over %s after the re-allocation; "+
			"%.3f MiB/s before it (sharing the session's bucket)", p.tf.Name, got, got/mib, 100*dev, want, rateWindow, before/mib)
		if !ok {
			bad = append(bad, fmt.Sprintf("%s: %.0f B/s (%.3f MiB/s), %+.1f%% off", p.tf.Name, got, got/mib, 100*dev))
		}
		perPeer := map[string]int64{}
		for _, e := range evs {
			if e.kind == "piece sent" && e.torrent == p.tf.Name && !e.at.Before(from) && e.at.Before(to) {
				perPeer[e.peer] += e.bytes
			}
		}
		var peers []string
		for peer, n := range perPeer {
			peers = append(peers, fmt.Sprintf("%s %.3f MiB/s", peer, float64(n)/rateWindow.Seconds()/mib))
		}
		slices.Sort(peers)
		t.Logf("%s: per peer over the window: %s", p.tf.Name, strings.Join(peers, ", "))
	}
	total := float64(blockBytes(evs, "piece sent", "", from, to)) / rateWindow.Seconds()
	t.Logf("both torrents together: %.0f B/s (%.3f MiB/s) against --max-up 2MiB", total, total/mib)
	if len(bad) > 0 {
		h.fatalf("--max-up 2MiB over two torrents: each torrent's upload over %s from %s must be within ±%.0f%% of %.0f B/s:\n%s",
			rateWindow, from.Format("15:04:05.000"), 100*tol, want, strings.Join(bad, "\n"))
	}
}

// sleepWatching waits for d; the watched processes must stay up meanwhile.
func (h *harness) sleepWatching(d time.Duration, watch ...*proc) {
	h.t.Helper()
	end := time.Now().Add(d)
	h.waitFor(fmt.Sprintf("%s to pass", d.Round(time.Second)), d+time.Minute, func() bool { return time.Now().After(end) }, watch...)
}
