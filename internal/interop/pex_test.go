package interop

import (
	"fmt"
	"strings"
	"testing"
)

// TestPEX: peer exchange (BEP 11) with libtorrent, both ways. In each swarm
// a middle peer knows the seed; the third peer knows only the middle one
// and must find the seed through the middle peer's ut_pex messages.
//
//	shoal seed S <- shoal get M <- libtorrent L: L connects to S
//	libtorrent seed LS <- libtorrent LM <- shoal get X: X connects to LS
func TestPEX(t *testing.T) {
	t.Parallel()
	const (
		size     = 4 * mib
		pieceLen = 64 * kib
	)
	h := newHarness(t)
	shoalBin(t)
	requireTool(t, "libtorrent")
	src := h.path("src", "payload.bin")
	h.writeRandom(src, size)
	torrent, _ := h.shoalCreate(src, h.path("payload.torrent"), "--piece-length", fmt.Sprint(pieceLen))

	// Upload limits keep the middle peers downloading, and so connected to
	// their seeds, while the third peers join.
	sAt, mAt, lAt := h.at("127.0.0.31"), h.at("127.0.0.32"), h.at("127.0.0.33")
	sDir := h.mkdir("s")
	h.copyInto(src, sDir)
	s := h.shoalSeed("shoal-seed", torrent, sDir, sAt, nil, "--up-limit", fmt.Sprint(256*kib), "--quiet")
	h.waitListening(sAt.String(), s)
	m := h.shoalGet("shoal-middle", torrent, h.mkdir("m"), mAt, []endpoint{sAt}, "--quiet", "--up-limit", fmt.Sprint(256*kib))

	lsAt, lmAt, xAt := h.at("127.0.0.34"), h.at("127.0.0.35"), h.at("127.0.0.36")
	lsDir := h.mkdir("ls")
	h.copyInto(src, lsDir)
	ls := h.libtorrent("lt-seed", "seed", torrent, lsDir, lsAt, nil, "--up-limit", fmt.Sprint(256*kib))
	h.ltSeedReady(ls)
	lm := h.libtorrent("lt-middle", "download", torrent, h.mkdir("lm"), lmAt, []endpoint{lsAt}, "--up-limit", fmt.Sprint(256*kib), "--stay")

	l := h.libtorrent("lt-third", "download", torrent, h.mkdir("l"), lAt, []endpoint{mAt}, "--stay")
	x := h.shoalGet("shoal-third", torrent, h.mkdir("x"), xAt, []endpoint{lmAt}, "--quiet")

	h.waitFor("libtorrent to connect to the shoal seed it can only know from the shoal peer's ut_pex", readyTimeout, func() bool {
		return strings.Contains(s.log(), "addr="+lAt.ip+":")
	}, s, m, l)
	h.waitFor("shoal to connect to the libtorrent seed it can only know from libtorrent's ut_pex", readyTimeout, func() bool {
		return strings.Contains(x.log(), "peer exchange") && strings.Contains(x.log(), "addr="+lsAt.ip+":")
	}, ls, lm, x)
	for _, line := range strings.Split(x.log(), "\n") {
		if strings.Contains(line, "peer exchange") {
			t.Logf("shoal-third: %s", line)
			break
		}
	}
}
