package interop

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// trackerImpl is the one place that chooses the tracker the tests run:
// "shoal" (`shoal tracker`, the default) or "opentracker" (Debian's build,
// whitelist-only). Set SHOAL_INTEROP_TRACKER to override.
func trackerImpl() string {
	if v := os.Getenv("SHOAL_INTEROP_TRACKER"); v != "" {
		return v
	}
	return "shoal"
}

// tracker is an HTTP tracker private to one test.
type tracker struct {
	h    *harness
	impl string
	ip   string
	port int
	URL  string // announce URL, known before the tracker starts
	p    *proc
}

// newTracker reserves an address for a tracker on ip; start it with start once
// the torrents (and so their info hashes) exist.
func (h *harness) newTracker(ip string) *tracker {
	h.t.Helper()
	impl := trackerImpl()
	if impl == "opentracker" {
		requireTool(h.t, "opentracker")
	}
	port := h.freePort(ip)
	return &tracker{h: h, impl: impl, ip: ip, port: port, URL: fmt.Sprintf("http://%s/announce", hostPort(ip, port))}
}

// start runs the tracker for the given torrents and waits until it answers.
func (tr *tracker) start(torrents ...torrentFile) {
	h := tr.h
	h.t.Helper()
	dir := h.mkdir("tracker")
	switch tr.impl {
	case "shoal":
		addr := hostPort(tr.ip, tr.port)
		tr.p = h.start("tracker", dir, nil, shoalBin(h.t), "tracker", "--http", addr, "--udp", addr, "--data", dir)
	case "opentracker":
		// It chroots into dir and drops to nobody, which must be able to read the
		// whitelist of info hashes (the only ones it answers for).
		var wl strings.Builder
		for _, tf := range torrents {
			fmt.Fprintln(&wl, tf.InfoHashHex())
		}
		if err := os.WriteFile(filepath.Join(dir, "whitelist.txt"), []byte(wl.String()), 0o644); err != nil {
			h.t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			h.t.Fatal(err)
		}
		port := fmt.Sprint(tr.port)
		tr.p = h.start("tracker", dir, nil, "opentracker", "-i", tr.ip, "-p", port, "-P", port,
			"-d", ".", "-w", "whitelist.txt")
	default:
		h.t.Fatalf("SHOAL_INTEROP_TRACKER=%q: want shoal or opentracker", tr.impl)
	}
	h.waitListening(hostPort(tr.ip, tr.port), tr.p)
}

// waitPeer waits until the tracker lists the peer ip:port for the torrent, which
// means that peer has started and announced. It asks as a leecher with a port
// nobody listens on and says "stopped" afterwards.
func (tr *tracker) waitPeer(tf torrentFile, ip string, port int, watch ...*proc) {
	h := tr.h
	h.t.Helper()
	want := hostPort(ip, port)
	var last string
	probePort := h.freePort("127.0.0.1")
	var pid [20]byte
	copy(pid[:], "-IT0001-")
	_, _ = rand.Read(pid[8:])
	h.addDiag(func() string { return "last tracker answer for " + want + ": " + last })
	h.waitFor("tracker to list "+want, readyTimeout, func() bool {
		peers, err := tr.announce(tf, pid, probePort, "started")
		if err != nil {
			last = err.Error()
			return false
		}
		last = fmt.Sprint(peers)
		for _, p := range peers {
			if p == want {
				return true
			}
		}
		time.Sleep(200 * time.Millisecond)
		return false
	}, append(watch, tr.p)...)
	_, _ = tr.announce(tf, pid, probePort, "stopped")
}

// announce sends one announce and returns the peers (host:port) it lists.
func (tr *tracker) announce(tf torrentFile, pid [20]byte, port int, event string) ([]string, error) {
	q := "info_hash=" + url.QueryEscape(string(tf.InfoHash[:])) +
		"&peer_id=" + url.QueryEscape(string(pid[:])) +
		fmt.Sprintf("&port=%d&uploaded=0&downloaded=0&left=%d&compact=1&numwant=200&event=%s", port, tf.Length, event)
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(tr.URL + "?" + q)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	v, _, err := bdecode(body, 0)
	if err != nil {
		return nil, fmt.Errorf("HTTP %d: %w: %q", resp.StatusCode, err, body)
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("HTTP %d: not a dictionary: %q", resp.StatusCode, body)
	}
	if f, ok := d["failure reason"].([]byte); ok {
		return nil, fmt.Errorf("failure reason: %s", f)
	}
	var out []string
	switch ps := d["peers"].(type) {
	case []byte:
		for i := 0; i+6 <= len(ps); i += 6 {
			out = append(out, hostPort(net.IP(ps[i:i+4]).String(), int(binary.BigEndian.Uint16(ps[i+4:]))))
		}
	case []any:
		for _, p := range ps {
			pd, _ := p.(map[string]any)
			ip, _ := pd["ip"].([]byte)
			pt, _ := pd["port"].(int64)
			out = append(out, hostPort(string(ip), int(pt)))
		}
	}
	return out, nil
}
