package interop

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSuperSeed: a shoal seeder with --super-seed (BEP 16) and an upload
// limit, and two real leechers, libtorrent and aria2, that find each other
// through a tracker. Both must finish with the right data, the seeder must
// open its connections with have none, never with the whole file (no
// bitfield, no have all) while the leechers download, and it must
// upload about one copy of the file in all, not one per leecher: the
// leechers get most of what the other one has from each other.
func TestSuperSeed(t *testing.T) {
	t.Parallel()
	const (
		size     = 8 * mib
		pieceLen = 128 * kib
		upLimit  = 2 * mib // seeder, bytes per second: 4 s per copy
		// Seeder upload, in copies of the file. Super-seeding measures 1.00-1.02;
		// the same swarm seeded normally 1.2-1.4, so the bound is a sanity check
		// and the have none check below tells the two modes apart.
		maxUp = 1.25
	)
	h := newHarness(t)
	shoalBin(t)
	requireTool(t, "libtorrent")
	requireTool(t, "aria2c")

	// aria2 learns peers only from a tracker; libtorrent is also told the
	// seeder directly.
	trk := h.newTracker("127.0.0.1")
	src := h.path("src", "payload.bin")
	h.writeRandom(src, size)
	torrent, tf := h.shoalCreate(src, h.path("payload.torrent"),
		"--piece-length", fmt.Sprint(pieceLen), "--tracker", trk.URL)
	trk.start(tf)

	// Each peer on its own loopback address, so the seeder's event log tells
	// them apart by address.
	seedAt, ltAt, ariaAt := h.at("127.0.0.2"), h.at("127.0.0.3"), h.at("127.0.0.4")
	seedDir := h.mkdir("seed")
	h.copyInto(src, seedDir)
	seedEvents := h.path("seed.events")
	seeder := h.shoalSeed("shoal-superseed", torrent, seedDir, seedAt, nil,
		"--super-seed", "--max-up", fmt.Sprint(upLimit), "--events", seedEvents, "--quiet")
	h.waitListening(seedAt.String(), seeder)
	trk.waitPeer(tf, seedAt.ip, seedAt.port, seeder)

	// aria2 first: once the tracker lists it, it has the seeder's address, and
	// libtorrent is told both, so the two leechers trade from the start.
	ltDir, ariaDir := h.mkdir("lt-get"), h.mkdir("aria2-get")
	start := time.Now()
	aria := h.aria2("aria2-get", "download", torrent, ariaDir, ariaAt)
	trk.waitPeer(tf, ariaAt.ip, ariaAt.port, seeder, aria)
	// libtorrent stays after completing, so that aria2 can still fetch from it.
	lt := h.libtorrent("lt-get", "download", torrent, ltDir, ltAt, []endpoint{seedAt, ariaAt}, "--stay")
	var ltTook, ariaTook time.Duration
	h.waitFor("both leechers to complete", transferTimeout, func() bool {
		if ltTook == 0 && strings.Contains(lt.log(), "lt: complete") {
			ltTook = time.Since(start)
		}
		if ariaTook == 0 && aria.exited() {
			if aria.err != nil {
				h.fatalf("%s failed: %s", aria.name, aria.status())
			}
			ariaTook = time.Since(start)
		}
		return ltTook > 0 && ariaTook > 0
	}, seeder, lt)
	took := time.Since(start)
	h.sameContent(src, filepath.Join(ltDir, tf.Name))
	h.sameContent(src, filepath.Join(ariaDir, tf.Name))

	// The event log is complete once the seeder has stopped.
	lt.stop(stopGrace)
	seeder.stop(stopGrace)
	evs := h.readEventsOf(seeder, seedEvents)
	kinds := eventKinds(evs)
	t.Logf("seeder events: %s", formatKinds(kinds))
	// Until a leecher has the whole file, every connection the seeder opens
	// must start with have none (or nothing), never with the whole file: a
	// reconnection after that may rightly get have all.
	firstDone := start.Add(min(ltTook, ariaTook))
	for _, e := range evs {
		if (e.kind == "bitfield sent" || e.kind == "have all sent") && e.at.Before(firstDone) {
			h.fatalf("the super-seeder sent %q to %s at %s, %.1fs before the first leecher completed: "+
				"it must announce pieces one by one with have", e.kind, e.peer, e.at.Format("15:04:05.000"),
				firstDone.Sub(e.at).Seconds())
		}
	}
	h.requireKinds(seeder.name, kinds, []string{"piece sent"}, []string{"have none sent"}, []string{"have sent"})

	sent := blockBytes(evs, "piece sent", "", time.Time{}, time.Now().Add(time.Hour))
	perPeer := map[string]int64{}
	for _, e := range evs {
		if e.kind == "piece sent" {
			perPeer[e.peer] += e.bytes
		}
	}
	var peers []string
	for p, n := range perPeer {
		peers = append(peers, fmt.Sprintf("%s %.2f MiB", p, float64(n)/mib))
	}
	slices.Sort(peers)
	copies := float64(sent) / float64(tf.Length)
	t.Logf("libtorrent done in %.1fs, aria2 in %.1fs (both %.1fs; seeder alone: %.0fs per copy at %d B/s); "+
		"seeder uploaded %d block bytes = %.2f copies of the %d-byte file (%s)", ltTook.Seconds(), ariaTook.Seconds(),
		took.Seconds(), float64(size)/upLimit, upLimit, sent, copies, tf.Length, strings.Join(peers, ", "))
	if copies > maxUp {
		h.fatalf("the super-seeder uploaded %.2f copies of the file (%d bytes) to two leechers, want at most %.2f: "+
			"pieces are served more than once (per peer: %s)", copies, sent, maxUp, strings.Join(peers, ", "))
	}
}
