package interop

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestThreePeers: one shoal seeder whose upload is limited and two shoal
// leechers that know each other. Both must finish, and they must have traded:
// each must receive a fair share of the file from the other (measured on the
// TCP connections between them), and together they must be faster than the
// seeder alone could serve two copies.
func TestThreePeers(t *testing.T) {
	t.Parallel()
	const (
		size     = 8 * mib
		upLimit  = 256 * kib // seeder, bytes per second
		pieceLen = 64 * kib
		minShare = 0.20 // of the file, each leecher from the other
	)
	h := newHarness(t)
	shoalBin(t)
	src := h.path("src", "payload.bin")
	h.writeRandom(src, size)
	torrent, tf := h.shoalCreate(src, h.path("payload.torrent"), "--piece-length", fmt.Sprint(pieceLen))

	// Each peer on its own loopback address, so the traffic between the two
	// leechers can be told apart from the seeder's.
	seedAt, aAt, bAt := h.at("127.0.0.2"), h.at("127.0.0.3"), h.at("127.0.0.4")
	seedDir := h.mkdir("seed")
	h.copyInto(src, seedDir)
	seeder := h.shoalSeed("shoal-seed", torrent, seedDir, seedAt, nil, "--up-limit", fmt.Sprint(upLimit), "--quiet")
	h.waitListening(seedAt.String(), seeder)

	mon := h.watchTCP(aAt.ip, bAt.ip)
	dirA, dirB := h.mkdir("leechA"), h.mkdir("leechB")
	start := time.Now()
	a := h.shoalGet("shoal-getA", torrent, dirA, aAt, []endpoint{seedAt, bAt}, "--quiet")
	b := h.shoalGet("shoal-getB", torrent, dirB, bAt, []endpoint{seedAt, aAt}, "--quiet")
	alone := time.Duration(float64(2*size) / upLimit * float64(time.Second))
	limit := alone + 30*time.Second
	h.waitExit(a, limit, seeder)
	h.waitExit(b, limit-time.Since(start), seeder)
	took := time.Since(start)
	aFromB, bFromA := mon.stop()
	h.sameContent(src, filepath.Join(dirA, tf.Name))
	h.sameContent(src, filepath.Join(dirB, tf.Name))

	oneCopy := time.Duration(float64(size) / upLimit * float64(time.Second))
	t.Logf("both leechers done in %.1fs; seeder alone: %.0fs per copy, %.0fs for two; "+
		"A got %d bytes from B, B got %d bytes from A (TCP payload incl. protocol overhead)",
		took.Seconds(), oneCopy.Seconds(), alone.Seconds(), aFromB, bFromA)
	if took < oneCopy*8/10 {
		h.fatalf("both leechers finished in %.1fs, but every piece must leave the seeder once, which takes %.0fs "+
			"at --up-limit %d B/s: the seeder's upload limit is not honoured", took.Seconds(), oneCopy.Seconds(), upLimit)
	}
	if mon.ok() {
		for _, c := range []struct {
			who  string
			from int64
		}{{"A from B", aFromB}, {"B from A", bFromA}} {
			if float64(c.from) < minShare*size {
				h.fatalf("leecher %s received only %d bytes (%.0f%% of the file), want at least %.0f%%: "+
					"the leechers did not trade pieces (took %.1fs)", c.who, c.from, 100*float64(c.from)/size,
					100*minShare, took.Seconds())
			}
		}
	} else {
		t.Logf("could not observe the connections between the leechers with ss; judging by time only")
	}
	if took >= alone {
		h.fatalf("leechers took %.1fs, no faster than the seeder alone serving both copies (%.0fs): "+
			"they did not trade pieces", took.Seconds(), alone.Seconds())
	}
}

// TestCrashResume: a leecher is killed with SIGKILL mid-download and started
// again on the same directory. It must complete with the right data and
// fetch again at most the pieces that were not complete on disk (in flight).
func TestCrashResume(t *testing.T) {
	t.Parallel()
	const (
		size     = 16 * mib
		pieceLen = 64 * kib
		upLimit  = 2 * mib // seeder, bytes per second: about 8 s for the file
		killAt   = 0.35    // fraction of pieces verified on disk
		slack    = 4       // pieces complete on disk that may be fetched again
	)
	h := newHarness(t)
	shoalBin(t)
	src := h.path("src", "payload.bin")
	h.writeRandom(src, size)
	torrent, tf := h.shoalCreate(src, h.path("payload.torrent"), "--piece-length", fmt.Sprint(pieceLen))
	total := len(tf.Pieces)

	seedAt := h.at("127.0.0.1")
	seedDir := h.mkdir("seed")
	h.copyInto(src, seedDir)
	seeder := h.shoalSeed("shoal-seed", torrent, seedDir, seedAt, nil, "--up-limit", fmt.Sprint(upLimit), "--quiet")
	h.waitListening(seedAt.String(), seeder)

	dir := h.mkdir("leech")
	data := filepath.Join(dir, tf.Name)
	first := h.shoalGet("shoal-get1", torrent, dir, h.at("127.0.0.1"), []endpoint{seedAt})
	disk := newPieceChecker(tf, data)
	h.waitFor(fmt.Sprintf("%.0f%% of the pieces verified on disk in %s", killAt*100, data), transferTimeout, func() bool {
		if first.exited() {
			h.fatalf("the leecher ended (%s) before it could be killed; pieces complete on disk: %d/%d "+
				"(is --up-limit %d honoured by the seeder?)", first.status(), disk.count(), total, upLimit)
		}
		return float64(disk.count()) >= killAt*float64(total)
	}, seeder)
	first.kill()
	onDisk := disk.count() // final: nothing writes any more
	t.Logf("killed the leecher with %d/%d pieces complete on disk", onDisk, total)
	if onDisk == total {
		h.fatalf("the leecher had the whole file when it was killed; the test needs a slower seeder")
	}

	second := h.shoalGet("shoal-get2", torrent, dir, h.at("127.0.0.1"), []endpoint{seedAt})
	h.waitExit(second, transferTimeout, seeder)
	h.sameContent(src, data)

	verified, m, err := parseResume(second.log())
	if err != nil {
		h.fatalf(`the restarted leecher printed no "resume: N/M pieces verified" line: %v`, err)
	}
	if m != total {
		h.fatalf("resume line says %d pieces in all, the torrent has %d", m, total)
	}
	t.Logf("after the restart: %d/%d pieces verified from disk, %d were complete on disk, %d fetched again",
		verified, total, onDisk, total-verified)
	if verified > onDisk {
		h.fatalf("the restarted leecher claims %d verified pieces, but only %d were complete and correct on disk: "+
			"it trusted unverified data", verified, onDisk)
	}
	if onDisk-verified > slack {
		h.fatalf("the restarted leecher verified %d pieces from disk, but %d were complete on disk: it fetched %d "+
			"complete pieces again (at most %d in flight allowed)", verified, onDisk, onDisk-verified, slack)
	}
}
