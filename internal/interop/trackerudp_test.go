package interop

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/client"
)

// Peers that find each other only through the tracker: the torrent names one
// announce URL, udp:// (BEP 15) or http://, no peer is given another's
// address, and DHT, PEX and local peer discovery are off (aria2 keeps its DHT
// socket, which its UDP tracker support needs, but has no node to talk to).
// Besides the transfer itself, the tracker is asked over the same protocol
// who is in the swarm: the seeder before the download, the downloader once it
// has completed, and, from shoal's metrics, that no announce came over the
// other protocol.

func TestTrackerUDP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		seeder, leecher string
		size            int64
	}{
		{"LibtorrentToAria2", kindLibtorrent, kindAria2, 3*mib + 11},
		{"Aria2ToTransmission", kindAria2, kindTransmission, 3*mib + 22},
		{"ShoalToLibtorrent", kindShoal, kindLibtorrent, 3*mib + 33},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runTrackerTransfer(t, "udp", c.seeder, c.leecher, c.size)
		})
	}
}

// TestTrackerHTTP: libtorrent finds a Transmission seeder through an HTTP
// announce alone (elsewhere libtorrent is always told its peer directly).
func TestTrackerHTTP(t *testing.T) {
	t.Parallel()
	t.Run("TransmissionToLibtorrent", func(t *testing.T) {
		t.Parallel()
		runTrackerTransfer(t, "http", kindTransmission, kindLibtorrent, 3*mib+44)
	})
}

// runTrackerTransfer moves a fresh payload of size bytes from a seeder to a
// downloader that learn of each other only from the tracker, announcing over
// scheme ("udp" or "http").
func runTrackerTransfer(t *testing.T, scheme, seederKind, leecherKind string, size int64) {
	h := newHarness(t)
	for _, k := range []string{seederKind, leecherKind} {
		requireKind(t, k)
	}
	shoalBin(t) // shoal create, and the tracker

	trackerIP, seedIP, leechIP := "127.0.0.1", "127.0.0.1", "127.0.0.1"
	if seederKind == kindTransmission || leecherKind == kindTransmission {
		a := h.loAddrs(3)
		trackerIP, seedIP, leechIP = a[0], a[1], a[2]
	}
	trk := h.newTracker(trackerIP)
	announceURL := trk.URL
	if scheme == "udp" {
		announceURL = fmt.Sprintf("udp://%s/announce", hostPort(trk.ip, trk.port))
	}

	src := h.path("src", "payload.bin")
	h.writeRandom(src, size)
	torrentPath, tf := h.shoalCreate(src, h.path("payload.torrent"), "--tracker", announceURL)
	trk.start(tf)
	probe := h.newTrackerProbe(trk, announceURL, tf)

	// The seeder, listed by the tracker before the downloader starts.
	seedDir, leechDir := h.mkdir("seed"), h.mkdir("leech")
	h.copyInto(src, seedDir)
	seedAt, leechAt := h.at(seedIP), h.at(leechIP)
	var seeder *proc
	switch seederKind {
	case kindShoal:
		seeder = h.shoalSeed("shoal-seed", torrentPath, seedDir, seedAt, nil, "--quiet")
	case kindLibtorrent:
		seeder = h.libtorrent("lt-seed", "seed", torrentPath, seedDir, seedAt, nil)
	case kindAria2:
		seeder = h.aria2("aria2-seed", "seed", torrentPath, seedDir, seedAt, h.aria2UDP("aria2-seed", seedAt.ip)...)
	case kindTransmission:
		seeder = h.transmission("tr-seed", "seed", torrentPath, seedDir, seedAt).p
	default:
		t.Fatalf("no seeder of kind %q here", seederKind)
	}
	probe.waitListed(seederKind+" seeder", seedAt, seeder)

	// The downloader, told of nobody. Those that can keep seeding once
	// complete, so that the tracker can be seen to list them afterwards.
	start := time.Now()
	var leecher *proc
	switch leecherKind {
	case kindLibtorrent:
		leecher = h.libtorrent("lt-get", "download", torrentPath, leechDir, leechAt, nil, "--stay")
		h.waitFor(leecher.name+" to complete the download", transferTimeout, func() bool {
			return strings.Contains(leecher.log(), "lt: complete")
		}, seeder, leecher)
	case kindAria2:
		// Seeding for an hour instead of not at all; its console summary
		// shows SEED( once the download is complete and verified.
		extra := append(h.aria2UDP("aria2-get", leechAt.ip), "--seed-time=60")
		leecher = h.aria2("aria2-get", "download", torrentPath, leechDir, leechAt, extra...)
		h.waitFor(leecher.name+" to complete the download", transferTimeout, func() bool {
			return strings.Contains(leecher.log(), "SEED(")
		}, seeder, leecher)
	case kindTransmission:
		tr := h.transmission("tr-get", "download", torrentPath, leechDir, leechAt)
		leecher = tr.p
		tr.waitDone(transferTimeout, seeder)
	default:
		t.Fatalf("no downloader of kind %q here", leecherKind)
	}
	took := time.Since(start)
	h.sameContent(src, filepath.Join(leechDir, tf.Name))

	// The tracker's view: the downloader is listed, as the second seeder, and
	// has told the tracker that it completed.
	probe.waitListed(leecherKind+" downloader, now seeding", leechAt, seeder, leecher)
	probe.waitScrape("2 seeders, no leecher and 1 completed download", func(r client.ScrapeResult) bool {
		return r == client.ScrapeResult{Complete: 2, Downloaded: 1}
	}, seeder, leecher)
	probe.checkProtocol(scheme)
	t.Logf("%s -> %s over a %s tracker: %d bytes in %.2fs, including start-up and the first announce",
		seederKind, leecherKind, scheme, tf.Length, took.Seconds())
}

// aria2UDP turns on aria2's DHT socket, which its UDP tracker support needs,
// on a private port and routing table file (with no node to start from).
func (h *harness) aria2UDP(name, ip string) []string {
	return []string{"--enable-dht=true", fmt.Sprintf("--dht-listen-port=%d", h.freePort(ip)),
		"--dht-file-path=" + h.path(name+".dht", "dht.dat")}
}

// trackerProbe asks a tracker about one swarm through shoal's tracker client,
// over the protocol of its announce URL. It announces as a leecher on a port
// nobody listens on, and says "stopped" after each look, so that it is not
// left in the swarm's counts.
type trackerProbe struct {
	h    *harness
	trk  *tracker
	url  string
	hash bt.InfoHash
	left int64
	id   bt.PeerID
	port uint16
	sent int    // announces the tracker answered
	last string // the last answer, for failure reports
}

func (h *harness) newTrackerProbe(trk *tracker, announceURL string, tf torrentFile) *trackerProbe {
	p := &trackerProbe{
		h: h, trk: trk, url: announceURL, hash: bt.InfoHash(tf.InfoHash), left: tf.Length,
		port: uint16(h.freePort("127.0.0.1")),
	}
	copy(p.id[:], "-IT0001-")
	_, _ = rand.Read(p.id[8:])
	h.addDiag(func() string { return "last tracker answer to the probe (" + announceURL + "): " + p.last })
	return p
}

func (p *trackerProbe) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.h.t.Context(), 5*time.Second)
}

// client returns a tracker client for one request. Each UDP request goes out
// from a socket of its own, and shoal's tracker binds a connection id to the
// source port as well as the address, so a client that kept the id of an
// earlier request would be refused. The probe announces from 127.0.0.1:
// Transmission ignores peers on 127.0.0.0/8 and never tries its entry.
func (p *trackerProbe) client() *client.Client {
	return client.New(client.Config{UDPTimeout: 500 * time.Millisecond, UDPMaxRetries: 2,
		LocalAddr: netip.MustParseAddr("127.0.0.1")})
}

// waitListed waits until the tracker hands out at as a peer of the swarm.
func (p *trackerProbe) waitListed(who string, at endpoint, watch ...*proc) {
	p.h.t.Helper()
	want := netip.AddrPortFrom(netip.MustParseAddr(at.ip), uint16(at.port))
	p.h.waitFor(fmt.Sprintf("the tracker to list the %s (%s) over %s", who, want, p.url), readyTimeout, func() bool {
		ctx, cancel := p.ctx()
		defer cancel()
		r, err := p.client().Announce(ctx, p.url, client.Request{
			InfoHash: p.hash, PeerID: p.id, Port: p.port, Left: p.left, Event: client.Started, NumWant: 200,
		})
		if err != nil {
			p.last = err.Error()
			return false
		}
		p.sent++
		p.last = fmt.Sprintf("%d seeders, %d leechers, peers %v", r.Complete, r.Incomplete, r.Peers)
		if slices.Contains(r.Peers, want) {
			return true
		}
		time.Sleep(200 * time.Millisecond)
		return false
	}, append(watch, p.trk.p)...)
	ctx, cancel := p.ctx()
	defer cancel()
	if _, err := p.client().Announce(ctx, p.url, client.Request{
		InfoHash: p.hash, PeerID: p.id, Port: p.port, Left: p.left, Event: client.Stopped,
	}); err != nil {
		p.h.fatalf("probe: stopped announce to %s: %v", p.url, err)
	}
	p.sent++
}

// waitScrape waits until a scrape of the swarm satisfies ok.
func (p *trackerProbe) waitScrape(what string, ok func(client.ScrapeResult) bool, watch ...*proc) {
	p.h.t.Helper()
	p.h.waitFor(fmt.Sprintf("a scrape over %s to show %s", p.url, what), readyTimeout, func() bool {
		ctx, cancel := p.ctx()
		defer cancel()
		m, err := p.client().Scrape(ctx, p.url, []bt.InfoHash{p.hash})
		if err != nil {
			p.last = "scrape: " + err.Error()
			return false
		}
		r, found := m[p.hash]
		p.last = fmt.Sprintf("scrape: %+v (swarm known: %v)", r, found)
		if found && ok(r) {
			return true
		}
		time.Sleep(200 * time.Millisecond)
		return false
	}, append(watch, p.trk.p)...)
}

// checkProtocol checks, from shoal's tracker metrics, that every announce
// came over scheme: none came over the other protocol, none was refused, and
// the two clients made at least one each besides the probe's. opentracker
// has no such metrics.
func (p *trackerProbe) checkProtocol(scheme string) {
	p.h.t.Helper()
	if p.trk.impl != "shoal" {
		return
	}
	other := "http"
	if scheme == "http" {
		other = "udp"
	}
	m, err := trackerMetrics(hostPort(p.trk.ip, p.trk.port))
	if err != nil {
		p.h.fatalf("tracker metrics: %v", err)
	}
	key := func(proto, outcome string) string {
		return fmt.Sprintf(`shoal_tracker_announces_total{outcome=%q,protocol=%q}`, outcome, proto)
	}
	if n := m[key(other, "ok")] + m[key(other, "error")]; n != 0 {
		p.h.fatalf("the tracker counted %v announces over %s; every peer was to announce over %s", n, other, scheme)
	}
	if n := m[key(scheme, "error")]; n != 0 {
		p.h.fatalf("the tracker refused %v announces over %s", n, scheme)
	}
	ok := m[key(scheme, "ok")]
	if ok < float64(p.sent+2) {
		p.h.fatalf("the tracker answered %v announces over %s, of which %d were the probe's: "+
			"want at least one from each client", ok, scheme, p.sent)
	}
	p.h.t.Logf("the tracker answered %v announces over %s (%d of them the probe's), none over %s",
		ok, scheme, p.sent, other)
}

// trackerMetrics reads the counters of shoal tracker's /metrics page.
func trackerMetrics(addr string) (map[string]float64, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}
