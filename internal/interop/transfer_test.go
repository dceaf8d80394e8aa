package interop

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Client kinds a transfer can use on either side.
const (
	kindShoal        = "shoal"
	kindLibtorrent   = "libtorrent"
	kindTransmission = "transmission"
	kindAria2        = "aria2"
)

// transferCase is one seeder -> downloader transfer of a fresh random payload.
type transferCase struct {
	seeder, leecher string
	size            int64  // single file of this many bytes, unless tree is set
	tree            bool   // nested multi-file payload instead of one file
	maker           string // "shoal" (shoal create, the default) or "mktorrent"
	pieceLength     int64  // 0: the maker's choice (mktorrent: 256 KiB)
}

// treeFiles is the nested multi-file payload: sizes straddle piece boundaries,
// one file is smaller than a block and one directory sits three levels down.
var treeFiles = []struct {
	path string
	size int64
}{
	{"a.bin", 3*mib + 123},
	{"docs/readme.txt", 1000},
	{"docs/notes/deep/c.bin", 2*mib + 7},
	{"media/b.bin", 5 * mib},
	{"media/x/y/z/tiny.bin", 1},
	{"zz.bin", 700 * kib},
}

// runTransfer moves a fresh payload from a seeder of one kind to a downloader of
// another over loopback and checks the SHA-256 of everything received.
func runTransfer(t *testing.T, c transferCase) {
	h := newHarness(t)
	for _, k := range []string{c.seeder, c.leecher} {
		requireKind(t, k)
	}
	if c.maker == "" {
		c.maker = "shoal"
	}
	if c.maker == "shoal" || c.seeder == kindShoal || c.leecher == kindShoal {
		shoalBin(t) // build before anything is timed
	}

	// Addresses: Transmission needs every participant on its own non-127 address.
	trackerIP, seedIP, leechIP := "127.0.0.1", "127.0.0.1", "127.0.0.1"
	if c.seeder == kindTransmission || c.leecher == kindTransmission {
		a := h.loAddrs(3)
		trackerIP, seedIP, leechIP = a[0], a[1], a[2]
	}
	needTracker := slices.Contains([]string{c.seeder, c.leecher}, kindAria2) ||
		slices.Contains([]string{c.seeder, c.leecher}, kindTransmission) || c.maker == "mktorrent"
	var trk *tracker
	if needTracker {
		trk = h.newTracker(trackerIP)
	}

	// Payload and torrent.
	var src string
	if c.tree {
		src = h.path("src", "tree")
		for _, f := range treeFiles {
			h.writeRandom(filepath.Join(src, filepath.FromSlash(f.path)), f.size)
		}
	} else {
		src = h.path("src", "payload.bin")
		h.writeRandom(src, c.size)
	}
	torrentPath := h.path("payload.torrent")
	var tf torrentFile
	switch c.maker {
	case "shoal":
		var args []string
		if trk != nil {
			args = append(args, "--tracker", trk.URL)
		}
		if c.pieceLength > 0 {
			args = append(args, "--piece-length", fmt.Sprint(c.pieceLength))
		}
		_, tf = h.shoalCreate(src, torrentPath, args...)
	case "mktorrent":
		log2 := 18
		for c.pieceLength > 0 && int64(1)<<log2 > c.pieceLength {
			log2--
		}
		_, tf = h.mktorrent(src, torrentPath, trk.URL, log2)
	default:
		t.Fatalf("unknown torrent maker %q", c.maker)
	}
	if tf.Name != filepath.Base(src) {
		h.fatalf("torrent name is %q, want %q", tf.Name, filepath.Base(src))
	}
	if trk != nil {
		trk.start(tf)
	}

	// Seeder.
	seedDir, leechDir := h.mkdir("seed"), h.mkdir("leech")
	h.copyInto(src, seedDir)
	seedAt, leechAt := h.at(seedIP), h.at(leechIP)
	var seeder *proc
	switch c.seeder {
	case kindShoal:
		seeder = h.shoalSeed("shoal-seed", torrentPath, seedDir, seedAt, nil, "--quiet")
		h.waitListening(seedAt.String(), seeder)
	case kindLibtorrent:
		seeder = h.libtorrent("lt-seed", "seed", torrentPath, seedDir, seedAt, nil)
		h.ltSeedReady(seeder)
	case kindAria2:
		seeder = h.aria2("aria2-seed", "seed", torrentPath, seedDir, seedAt)
	case kindTransmission:
		seeder = h.transmission("tr-seed", "seed", torrentPath, seedDir, seedAt).p
	}
	if trk != nil && (c.seeder == kindAria2 || c.seeder == kindTransmission ||
		c.leecher == kindAria2 || c.leecher == kindTransmission) {
		// The downloader learns the seeder from the tracker (or the seeder is only
		// ready once it has checked its data and announced).
		trk.waitPeer(tf, seedAt.ip, seedAt.port, seeder)
	}

	// Downloader.
	peers := []endpoint{seedAt}
	var took time.Duration
	switch c.leecher {
	case kindShoal:
		p := h.shoalGet("shoal-get", torrentPath, leechDir, leechAt, peers, "--quiet")
		took = h.waitExit(p, transferTimeout, seeder)
	case kindLibtorrent:
		p := h.libtorrent("lt-get", "download", torrentPath, leechDir, leechAt, peers)
		took = h.waitExit(p, transferTimeout, seeder)
	case kindAria2:
		p := h.aria2("aria2-get", "download", torrentPath, leechDir, leechAt)
		took = h.waitExit(p, transferTimeout, seeder)
	case kindTransmission:
		took = h.transmission("tr-get", "download", torrentPath, leechDir, leechAt).waitDone(transferTimeout, seeder)
	}
	h.sameContent(src, filepath.Join(leechDir, filepath.Base(src)))
	t.Logf("%s -> %s: %d bytes in %.2fs (%.1f MB/s, including start-up)", c.seeder, c.leecher,
		tf.Length, took.Seconds(), float64(tf.Length)/took.Seconds()/1e6)
}

// requireKind skips (or under CI fails) when the client of this kind is missing.
func requireKind(t *testing.T, kind string) {
	t.Helper()
	switch kind {
	case kindShoal:
	case kindLibtorrent:
		requireTool(t, "libtorrent")
	case kindAria2:
		requireTool(t, "aria2c")
	case kindTransmission:
		requireTool(t, "transmission-daemon")
		requireTool(t, "transmission-remote")
	default:
		t.Fatalf("unknown client kind %q", kind)
	}
}
