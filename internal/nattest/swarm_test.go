package nattest

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shoal/internal/metainfo"
	"shoal/internal/tracker/client"
)

// trackerAddr is where the swarm tests run shoal tracker, in Inet.
var trackerAddr = inetPublic.String() + ":6969"

// seederID finds the rendezvous ID a peer prints.
var seederID = regexp.MustCompile(`rendezvous: peer ([0-9a-f]{40}) registered`)

// linkLine matches the log line of a peer connection over a rendezvous link.
var linkLine = regexp.MustCompile(`msg="peer connected".* link=([a-z-]+)`)

// TestSwarmAcrossNATs: a seeder behind one NAT and a downloader behind
// the other, each registered with its cluster's router and known to the
// other only through the tracker (shoal tracker on the internet, which
// hands out rendezvous contacts with its peer lists), finish the download
// over a rendezvous link. Through two port-restricted NATs the link is
// direct and the routers relay nothing; through two symmetric NATs it is
// relayed (there the downloader is also given the seeder's rendezvous ID
// with --peer rdv:ID).
func TestSwarmAcrossNATs(t *testing.T) {
	for _, tc := range []struct {
		mode   Mode
		size   int
		direct bool
		byID   bool // also give the downloader the seeder's ID (--peer rdv:ID)
	}{
		{PortRestricted, 8 << 20, true, false},
		{BothSymmetric, 4 << 20, false, true},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			tp := Up(t, Config{Mode: tc.mode})
			start := time.Now()
			routers, metrics, ids := routerPairIDs(t, tp)
			dir := t.TempDir()
			torrent, sum, ih := makeSwarmTorrent(t, dir, tc.size)
			trk := startShoal(t, tp, tp.Inet, "tracker", "--http", trackerAddr, "--udp", "", "--data", filepath.Join(dir, "tracker"))
			if !trk.stdout.wait("tracker: http://", 30*time.Second) {
				t.Fatalf("tracker did not start: %s%s", trk.stdout, trk.stderr)
			}

			peer := func(c int, cmd string, args ...string) *proc {
				args = append([]string{cmd, torrent}, args...)
				args = append(args, "--bind", tp.Clusters[c].Hosts[0].String(), "--quiet", "--verbose",
					"--router", ids[c]+"@"+routers[c], "--key", filepath.Join(dir, fmt.Sprintf("peer%d.key", c)))
				return startShoal(t, tp, tp.Clusters[c].LAN, args...)
			}
			seed := peer(0, "seed", "--dir", filepath.Join(dir, "data"))
			if !seed.stdout.wait("rendezvous: peer", 30*time.Second) {
				t.Fatalf("seeder did not register: %s%s", seed.stdout, seed.stderr)
			}
			waitSeeder(t, tp, ih)
			args := []string{"-o", filepath.Join(dir, "got")}
			if tc.byID {
				m := seederID.FindStringSubmatch(seed.stdout.String())
				if m == nil {
					t.Fatalf("no rendezvous ID in the seeder's output: %s", seed.stdout)
				}
				args = append(args, "--peer", "rdv:"+m[1])
			}
			got := peer(1, "get", args...)
			select {
			case err := <-got.done:
				got.done <- err
				if err != nil {
					t.Fatalf("shoal get: %v\n%s%s\nseeder:\n%s%s", err, got.stdout, got.stderr, seed.stdout, seed.stderr)
				}
			case <-time.After(90 * time.Second):
				t.Fatalf("shoal get did not finish:\n%s%s\nseeder:\n%s%s", got.stdout, got.stderr, seed.stdout, seed.stderr)
			}
			if s := fileSum(t, filepath.Join(dir, "got", "swarm.bin")); s != sum {
				t.Fatalf("downloaded file has SHA-256 %x, want %x", s, sum)
			}
			links := map[string]int{}
			for _, m := range linkLine.FindAllStringSubmatch(got.stderr.String(), -1) {
				links[m[1]]++
			}
			relayed := relayedBytes(t, tp, metrics[0]) + relayedBytes(t, tp, metrics[1])
			t.Logf("%s: %d MiB in %v (set-up included); rendezvous links of the downloader %v; routers relayed %d bytes",
				tc.mode, tc.size>>20, time.Since(start).Round(time.Millisecond), links, relayed)
			if len(links) == 0 {
				t.Fatalf("the downloader made no rendezvous link:\n%s", got.stderr)
			}
			if tc.direct {
				if links["relayed"] > 0 || relayed != 0 {
					t.Errorf("links %v, %d bytes relayed; want direct links only", links, relayed)
				}
			} else if links["relayed"] == 0 || relayed < int64(tc.size) {
				t.Errorf("links %v, %d bytes relayed; want the file relayed", links, relayed)
			}
		})
	}
}

// makeSwarmTorrent writes size random bytes to dir/data/swarm.bin and
// makes dir/swarm.torrent of it, announcing to trackerAddr.
func makeSwarmTorrent(t *testing.T, dir string, size int) (path string, sum [32]byte, ih string) {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "data", "swarm.bin")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "swarm.torrent")
	out, err := exec.Command(shoalBin(t), "create", file, "--tracker", "http://"+trackerAddr+"/announce",
		"--piece-length", "256K", "-o", path, "--quiet").CombinedOutput()
	if err != nil {
		t.Fatalf("shoal create: %v: %s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	mi, err := metainfo.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return path, sha256.Sum256(data), string(mi.InfoHash[:])
}

// inetClient is an HTTP client whose connections start in tp's Inet.
func inetClient(tp *Topology) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return tp.Dial(ctx, tp.Inet, &net.Dialer{}, network, addr)
		},
		DisableKeepAlives: true,
	}}
}

// waitSeeder waits until the tracker counts a seeder of the torrent, so
// that the downloader's first announce finds it.
func waitSeeder(t *testing.T, tp *Topology, ih string) {
	t.Helper()
	c := inetClient(tp)
	u := "http://" + trackerAddr + "/scrape?info_hash=" + url.QueryEscape(ih)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.Get(u)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if files, err := client.ParseHTTPScrape(body); err == nil {
				for _, f := range files {
					if f.Complete > 0 {
						return
					}
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tracker has no seeder after 30 s (last error %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// relayedBytes reads a router's relayed byte count from its metrics.
func relayedBytes(t *testing.T, tp *Topology, metricsURL string) int64 {
	t.Helper()
	resp, err := inetClient(tp).Get(metricsURL)
	if err != nil {
		t.Fatalf("router metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "shoal_router_relayed_bytes_total "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("router metrics: %q: %v", sc.Text(), err)
			}
			return int64(f)
		}
	}
	t.Fatalf("router metrics at %s: no shoal_router_relayed_bytes_total", metricsURL)
	return 0
}

// fileSum is the SHA-256 of a file.
func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
