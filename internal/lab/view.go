package lab

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Snapshot is the state of a running experiment, for display.
type Snapshot struct {
	Mode      Mode
	Elapsed   time.Duration
	Bound     float64 // seconds
	FileSize  int64
	NumPieces int
	Nodes     []NodeView // the seed first
}

// NodeView is the seed or one peer in a Snapshot.
type NodeView struct {
	Name   string
	Addr   netip.Addr
	Seed   bool
	UpCap  int64 // upload limit, bytes/s
	Pieces int   // verified
	// Downloaded and Uploaded are block bytes so far; the rates are the
	// engine's averages until WithRates replaces them with recent ones.
	Downloaded, Uploaded int64
	DownRate, UpRate     float64
	Done                 time.Duration // when it had the whole file; zero: not yet
	// UploadsTo names the peers it has unchoked and that want its data.
	UploadsTo []string
}

// Snapshot returns the current state.
func (e *Experiment) Snapshot() Snapshot {
	e.mu.Lock()
	elapsed := time.Since(e.start)
	if !e.end.IsZero() {
		elapsed = e.end.Sub(e.start)
	}
	done := make(map[string]time.Duration, len(e.peers))
	for _, n := range e.peers {
		done[n.name] = n.done
	}
	e.mu.Unlock()
	s := Snapshot{
		Mode:      e.cfg.Mode,
		Elapsed:   elapsed,
		Bound:     e.cfg.Model().Bound(e.cfg.Mode),
		FileSize:  e.cfg.FileSize,
		NumPieces: len(e.content.hashes),
	}
	for _, n := range e.all() {
		st := n.t.Stats(true)
		v := NodeView{
			Name:       n.name,
			Addr:       n.addr.Addr(),
			Seed:       n == e.seed,
			UpCap:      n.up,
			Pieces:     st.Pieces,
			Downloaded: st.Downloaded,
			Uploaded:   st.Uploaded,
			DownRate:   st.DownRate,
			UpRate:     st.UpRate,
			Done:       done[n.name],
		}
		for _, p := range st.Peers {
			if !p.AmChoking && p.PeerInterested {
				if name, ok := e.byAddr[p.Addr.Addr()]; ok {
					v.UploadsTo = append(v.UploadsTo, name)
				}
			}
		}
		sortNames(v.UploadsTo)
		s.Nodes = append(s.Nodes, v)
	}
	return s
}

// sortNames orders peer names with the seed last.
func sortNames(names []string) {
	less := func(a, b string) bool {
		if (a == "seed") != (b == "seed") {
			return b == "seed"
		}
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	}
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && less(names[j], names[j-1]); j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
}

// WithRates returns cur with each node's rates taken over the time since
// prev, which shows changes sooner than the engine's long averages.
func WithRates(prev, cur Snapshot) Snapshot {
	dt := (cur.Elapsed - prev.Elapsed).Seconds()
	if dt <= 0 {
		return cur
	}
	old := make(map[string]NodeView, len(prev.Nodes))
	for _, n := range prev.Nodes {
		old[n.Name] = n
	}
	nodes := make([]NodeView, len(cur.Nodes))
	copy(nodes, cur.Nodes)
	for i, n := range nodes {
		o, ok := old[n.Name]
		if !ok {
			continue
		}
		nodes[i].DownRate = float64(n.Downloaded-o.Downloaded) / dt
		nodes[i].UpRate = float64(n.Uploaded-o.Uploaded) / dt
	}
	cur.Nodes = nodes
	return cur
}

// Leechers counts the peers and those that have the whole file.
func (s Snapshot) Leechers() (done, total int) {
	for _, n := range s.Nodes {
		if n.Seed {
			continue
		}
		total++
		if n.Done > 0 {
			done++
		}
	}
	return done, total
}

// Frame renders the snapshot as lines at most width columns wide: a
// status line, then one line per node with a progress bar, its rates and
// whom it uploads to.
func Frame(s Snapshot, width int) []string {
	done, total := s.Leechers()
	lines := []string{
		fmt.Sprintf("%6.1f s   %d of %d peers done   bound %.1f s (%s)", s.Elapsed.Seconds(), done, total, s.Bound, modeName(s.Mode)),
		"",
	}
	bw := min(max(width-80, 10), 40)
	head := fmt.Sprintf("%-5s %-12s %-*s %6s %8s %12s %12s  %s", "peer", "address", bw, "pieces", "", "done at", "down", "up", "uploads to")
	lines = append(lines, head)
	for _, n := range s.Nodes {
		frac := 0.0
		if s.NumPieces > 0 {
			frac = float64(n.Pieces) / float64(s.NumPieces)
		}
		at := ""
		if n.Done > 0 {
			at = fmt.Sprintf("%.1f s", n.Done.Seconds())
		}
		down := "-"
		if !n.Seed {
			down = FormatBytes(n.DownRate) + "/s"
		}
		line := fmt.Sprintf("%-5s %-12s %s %5.1f%% %8s %12s %12s  %s", n.Name, n.Addr, bar(frac, bw), 100*frac, at,
			down, FormatBytes(n.UpRate)+"/s", strings.Join(n.UploadsTo, " "))
		lines = append(lines, line)
	}
	for i, l := range lines {
		lines[i] = clip(l, width)
	}
	return lines
}

// Plain renders the snapshot as one line, for output that is not a
// terminal.
func Plain(s Snapshot) string {
	done, total := s.Leechers()
	var b strings.Builder
	fmt.Fprintf(&b, "%6.1f s  %d/%d done ", s.Elapsed.Seconds(), done, total)
	for _, n := range s.Nodes {
		if n.Seed {
			continue
		}
		pct := 0.0
		if s.NumPieces > 0 {
			pct = 100 * float64(n.Pieces) / float64(s.NumPieces)
		}
		fmt.Fprintf(&b, " %s %3.0f%%", n.Name, pct)
	}
	return b.String()
}

func bar(f float64, w int) string {
	f = min(max(f, 0), 1)
	full := int(f*float64(w) + 0.5)
	return strings.Repeat("█", full) + strings.Repeat("░", w-full)
}

// clip cuts s to w runes.
func clip(s string, w int) string {
	if w <= 0 {
		return s
	}
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	return string(r[:w])
}

// Summary describes a finished experiment in a few lines: T_all against
// the bound, what client-server would have needed, and when each peer
// finished.
func Summary(r Result) []string {
	var up int64
	for _, p := range r.Peers {
		up += p.Uploaded
	}
	lines := []string{
		fmt.Sprintf("All %d peers have the verified file after %.1f s; the %s bound is %.1f s (ratio %.3f).",
			len(r.Peers), r.Total.Seconds(), modeName(r.Mode), r.Bound, r.Ratio()),
	}
	if r.Mode == PeerToPeer {
		cs := r.Model.ClientServer()
		lines = append(lines,
			fmt.Sprintf("The seed sent %s, the peers %s to each other; from the seed alone it would take at least %.1f s (%.1fx longer).",
				FormatBytes(float64(r.Seed.Uploaded)), FormatBytes(float64(up)), cs, cs/r.Total.Seconds()))
	}
	var b strings.Builder
	b.WriteString("Finished:")
	for _, p := range r.Peers {
		fmt.Fprintf(&b, " %s %.1f s", p.Name, p.Done.Seconds())
	}
	lines = append(lines, b.String(), fmt.Sprintf("Uplinks were %.0f%% busy; the process used %.2f cores.", 100*r.Util(), r.CPU))
	return lines
}
