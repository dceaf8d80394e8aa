package interop

import (
	"bufio"
	"crypto/sha1"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tcpWatch samples, with `ss -tin`, the bytes received on every established TCP
// connection between two addresses, so a test can tell how much two peers sent
// each other without any help from the peers. Bytes that arrive after the last
// sample of a connection are not counted, so the figures err on the low side.
type tcpWatch struct {
	a, b    string
	mu      sync.Mutex
	seen    map[string]int64 // "local peer" -> max bytes_received
	samples int
	quit    chan struct{}
	done    chan struct{}
}

func (h *harness) watchTCP(a, b string) *tcpWatch {
	w := &tcpWatch{a: a, b: b, seen: map[string]int64{}, quit: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	h.t.Cleanup(func() { w.stop() })
	return w
}

func (w *tcpWatch) run() {
	defer close(w.done)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		w.sample()
		select {
		case <-w.quit:
			return
		case <-tick.C:
		}
	}
}

func (w *tcpWatch) sample() {
	out, err := exec.Command("ss", "-Htin", "state", "established").Output()
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.samples++
	var key string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			key = ""
			f := strings.Fields(line)
			if len(f) < 4 {
				continue
			}
			lh, ph := ssHost(f[2]), ssHost(f[3])
			if (lh == w.a && ph == w.b) || (lh == w.b && ph == w.a) {
				key = f[2] + " " + f[3]
			}
			continue
		}
		if key == "" {
			continue
		}
		for _, kv := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(kv, "bytes_received:"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				w.seen[key] = max(w.seen[key], n)
			}
		}
	}
}

// stop ends sampling and returns the bytes a received from b and b from a.
func (w *tcpWatch) stop() (aFromB, bFromA int64) {
	select {
	case <-w.quit:
	default:
		close(w.quit)
	}
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, n := range w.seen {
		local, _, _ := strings.Cut(k, " ")
		if ssHost(local) == w.a {
			aFromB += n
		} else {
			bFromA += n
		}
	}
	return aFromB, bFromA
}

// ssHost returns the address of an ss endpoint such as "127.0.0.3%lo:6881"
// (ss names the device of sockets bound to one).
func ssHost(ep string) string {
	host, _, _ := net.SplitHostPort(ep)
	host, _, _ = strings.Cut(host, "%")
	return host
}

// ok reports whether sampling worked (ss ran and saw the connections).
func (w *tcpWatch) ok() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.samples > 0 && len(w.seen) > 0
}

// pieceChecker counts the pieces of a single-file torrent that are complete and
// correct in a file on disk, remembering the ones already found.
type pieceChecker struct {
	tf   torrentFile
	path string
	good []bool
	n    int
	buf  []byte
}

func newPieceChecker(tf torrentFile, path string) *pieceChecker {
	return &pieceChecker{tf: tf, path: path, good: make([]bool, len(tf.Pieces)), buf: make([]byte, tf.PieceLength)}
}

func (c *pieceChecker) count() int {
	f, err := os.Open(c.path)
	if err != nil {
		return c.n
	}
	defer f.Close()
	for i := range c.tf.Pieces {
		if c.good[i] {
			continue
		}
		off := int64(i) * c.tf.PieceLength
		n := min(c.tf.PieceLength, c.tf.Length-off)
		if _, err := f.ReadAt(c.buf[:n], off); err != nil && err != io.EOF {
			continue
		}
		if sha1.Sum(c.buf[:n]) == c.tf.Pieces[i] {
			c.good[i] = true
			c.n++
		}
	}
	return c.n
}

var resumeRE = regexp.MustCompile(`resume: (\d+)/(\d+) pieces verified`)

// parseResume finds the first "resume: N/M pieces verified" line in a log.
func parseResume(log string) (verified, total int, err error) {
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		if m := resumeRE.FindStringSubmatch(sc.Text()); m != nil {
			verified, _ = strconv.Atoi(m[1])
			total, _ = strconv.Atoi(m[2])
			return verified, total, nil
		}
	}
	return 0, 0, fmt.Errorf("%w in %d bytes of output", errNotFound, len(log))
}
