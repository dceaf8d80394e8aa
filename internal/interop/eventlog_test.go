package interop

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// event is one line of a shoal --events file:
//
//	HH:MM:SS.micro TORRENT PEER KIND DETAIL
//
// where KIND is one to three words ending in "sent" or "recv" ("piece recv",
// "have all recv", "not interested sent").
type event struct {
	at      time.Time
	torrent string
	peer    string
	kind    string
	detail  string
	bytes   int64 // block bytes of a piece message, from "[N bytes]"
}

var eventBytesRE = regexp.MustCompile(`\[(\d+) bytes\]`)

// readEvents parses an event log written by a shoal process started at
// started (which dates the clock times in it).
func readEvents(path string, started time.Time) ([]event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	y, m, d := started.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, started.Location())
	var out []event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*kib), 1*mib)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		e, err := parseEvent(line, midnight, started)
		if err != nil {
			return out, fmt.Errorf("%s:%d: %w: %q", path, n, err, line)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

func parseEvent(line string, midnight, started time.Time) (event, error) {
	f := strings.Fields(line)
	if len(f) < 4 {
		return event{}, fmt.Errorf("%w: too few fields", errNotFound)
	}
	clock, err := time.Parse("15:04:05.000000", f[0])
	if err != nil {
		return event{}, err
	}
	at := midnight.Add(time.Duration(clock.Hour())*time.Hour + time.Duration(clock.Minute())*time.Minute +
		time.Duration(clock.Second())*time.Second + time.Duration(clock.Nanosecond()))
	if at.Before(started.Add(-12 * time.Hour)) {
		at = at.Add(24 * time.Hour) // the run crossed midnight
	}
	e := event{at: at, torrent: f[1], peer: f[2]}
	for i := 3; i < len(f) && i < 6; i++ {
		if f[i] == "sent" || f[i] == "recv" {
			e.kind = strings.Join(f[3:i+1], " ")
			e.detail = strings.Join(f[i+1:], " ")
			break
		}
	}
	if e.kind == "" {
		return event{}, fmt.Errorf("%w: no sent/recv kind", errNotFound)
	}
	if m := eventBytesRE.FindStringSubmatch(e.detail); m != nil && strings.HasPrefix(e.kind, "piece ") {
		e.bytes, _ = strconv.ParseInt(m[1], 10, 64)
	}
	return e, nil
}

// eventKinds counts the events of each kind.
func eventKinds(evs []event) map[string]int {
	out := map[string]int{}
	for _, e := range evs {
		out[e.kind]++
	}
	return out
}

// formatKinds renders kind counts in a stable order.
func formatKinds(k map[string]int) string {
	var names []string
	for n := range k {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%d", n, k[n])
	}
	return b.String()
}

// blockBytes sums the piece bytes of events of kind for torrent (any
// torrent if empty) with from <= at < to.
func blockBytes(evs []event, kind, torrent string, from, to time.Time) int64 {
	var n int64
	for _, e := range evs {
		if e.kind == kind && (torrent == "" || e.torrent == torrent) && !e.at.Before(from) && e.at.Before(to) {
			n += e.bytes
		}
	}
	return n
}

// firstLast returns the times of the first and last event of kind for
// torrent (any if empty); ok is false when there is none.
func firstLast(evs []event, kind, torrent string) (first, last time.Time, ok bool) {
	for _, e := range evs {
		if e.kind != kind || (torrent != "" && e.torrent != torrent) {
			continue
		}
		if !ok || e.at.Before(first) {
			first = e.at
		}
		if !ok || e.at.After(last) {
			last = e.at
		}
		ok = true
	}
	return first, last, ok
}

var listeningRE = regexp.MustCompile(`listening on port (\d+)`)

// listeningPorts returns the distinct ports of the "listening on port N"
// lines of a shoal log, and how many such lines there are.
func listeningPorts(log string) (ports []int, lines int) {
	seen := map[int]bool{}
	for _, m := range listeningRE.FindAllStringSubmatch(log, -1) {
		lines++
		p, _ := strconv.Atoi(m[1])
		if !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	sort.Ints(ports)
	return ports, lines
}

// procListenPorts returns the TCP ports a process listens on, from its
// socket descriptors and /proc/net/tcp{,6}.
func procListenPorts(pid int) (map[int]bool, error) {
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(fdDir)
	if err != nil {
		return nil, err
	}
	inodes := map[string]bool{}
	for _, e := range ents {
		link, err := os.Readlink(fdDir + "/" + e.Name())
		if err != nil {
			continue
		}
		if ino, ok := strings.CutPrefix(link, "socket:["); ok {
			inodes[strings.TrimSuffix(ino, "]")] = true
		}
	}
	ports := map[int]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			// sl local rem st tx:rx tr:when retrnsmt uid timeout inode
			if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] {
				continue
			}
			_, hexPort, ok := strings.Cut(f[1], ":")
			if !ok {
				continue
			}
			if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
				ports[int(p)] = true
			}
		}
	}
	return ports, nil
}

// portWatch samples, while a process runs, the TCP ports it listens on.
type portWatch struct {
	mu      sync.Mutex
	ports   map[int]bool
	samples int
	done    chan struct{}
}

func watchListenPorts(p *proc) *portWatch {
	w := &portWatch{ports: map[int]bool{}, done: make(chan struct{})}
	pid := p.cmd.Process.Pid
	go func() {
		defer close(w.done)
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		for {
			if ports, err := procListenPorts(pid); err == nil && !p.exited() {
				w.mu.Lock()
				w.samples++
				for port := range ports {
					w.ports[port] = true
				}
				w.mu.Unlock()
			}
			select {
			case <-p.done:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// result waits for the process to end and returns the sorted ports seen and
// the number of samples taken.
func (w *portWatch) result() ([]int, int) {
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []int
	for p := range w.ports {
		out = append(out, p)
	}
	sort.Ints(out)
	return out, w.samples
}
