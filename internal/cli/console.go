package cli

import (
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"shoal/internal/bt"
	"shoal/internal/engine"
	"shoal/internal/metainfo"
	"shoal/internal/tui"
)

// maxEvents is how many protocol events the console keeps.
const maxEvents = 500

// consoleSource turns a session into the console's snapshots and carries
// out its commands. It is safe for concurrent use.
type consoleSource struct {
	s      *engine.Session
	jobs   []*job
	peerID bt.PeerID
	// onPause records a pause or resume so that a restart keeps it.
	onPause func(ih bt.InfoHash, paused bool)

	mu     sync.Mutex
	events []tui.Event // ring, oldest first
}

func newConsoleSource(s *engine.Session, jobs []*job, onPause func(bt.InfoHash, bool)) *consoleSource {
	return &consoleSource{s: s, jobs: jobs, peerID: s.PeerID(), onPause: onPause}
}

// event records a protocol event for the console's event pane.
func (c *consoleSource) event(e engine.Event) {
	kind, detail := eventKind(e)
	ev := tui.Event{Time: e.Time, Torrent: e.Torrent, Peer: eventPeer(e, true), Kind: kind, Detail: detail}
	c.mu.Lock()
	if len(c.events) >= maxEvents {
		c.events = append(c.events[:0], c.events[len(c.events)-maxEvents/2:]...)
	}
	c.events = append(c.events, ev)
	c.mu.Unlock()
}

// eventKind names an event as the event log does: "piece recv",
// "request sent", "choke recv", and so on.
func eventKind(e engine.Event) (kind, detail string) {
	name, rest, _ := strings.Cut(e.Msg, " ")
	switch name {
	case "not", "have", "allowed", "extended":
		// two-word message names: "not interested", "have all", ...
		if second, r, ok := strings.Cut(rest, " "); ok && (second == "interested" || second == "all" || second == "none" || second == "fast") {
			name, rest = name+" "+second, r
		} else if rest == "interested" || rest == "all" || rest == "none" || rest == "fast" {
			name, rest = name+" "+rest, ""
		}
	}
	dir := "recv"
	if e.Sent {
		dir = "sent"
	}
	return name + " " + dir, rest
}

// Snapshot implements tui.Source.
func (c *consoleSource) Snapshot() tui.Snapshot {
	down, up := c.s.Limits()
	snap := tui.Snapshot{
		PeerID:  printableID(c.peerID),
		Listen:  c.s.Addr().String(),
		MaxDown: down,
		MaxUp:   up,
	}
	trackers := map[string]bool{}
	for _, j := range c.jobs {
		st := j.t.Stats(true)
		snap.DownRate += st.DownRate
		snap.UpRate += st.UpRate
		for _, tier := range j.mi.Tiers() {
			for _, u := range tier {
				if !trackers[u] {
					trackers[u] = true
					snap.Trackers = append(snap.Trackers, u)
				}
			}
		}
		snap.Torrents = append(snap.Torrents, torrentView(j, st))
	}
	c.mu.Lock()
	snap.Events = append([]tui.Event(nil), c.events...)
	c.mu.Unlock()
	return snap
}

func torrentView(j *job, st engine.Stats) tui.Torrent {
	tv := tui.Torrent{
		InfoHash:   j.mi.InfoHash.String(),
		Name:       j.mi.Info.Name,
		Size:       st.TotalLength,
		Done:       st.TotalLength - st.Left,
		DownRate:   st.DownRate,
		UpRate:     st.UpRate,
		Downloaded: st.Downloaded,
		Uploaded:   st.Uploaded,
		Pieces:     st.Pieces,
		NumPieces:  st.NumPieces,
		Seeding:    st.Seeding,
		Paused:     st.Paused,
		Tracker:    trackerText(st.Tracker),
	}
	if st.Err != nil {
		tv.Err = st.Err.Error()
	}
	have := j.t.Have()
	for _, f := range j.mi.Info.FileList() {
		tv.Files = append(tv.Files, tui.File{Path: path.Join(f.Path...), Size: f.Length, Done: fileDone(&j.mi.Info, f, have)})
	}
	for _, p := range st.Peers {
		tv.Peers = append(tv.Peers, peerView(p, st.NumPieces))
	}
	return tv
}

// peerView is the console's view of one connection of a torrent of
// numPieces pieces.
func peerView(p engine.PeerStats, numPieces int) tui.Peer {
	pv := tui.Peer{
		Addr:           p.Addr.String(),
		ID:             peerLabel(p),
		Seed:           p.Have == numPieces,
		DownRate:       p.DownRate,
		UpRate:         p.UpRate,
		ChokesUs:       p.PeerChoking,
		WeChoke:        p.AmChoking,
		Interested:     p.AmInterested,
		PeerInterested: p.PeerInterested,
		DownPiece:      p.DownPiece,
		DownPiecePct:   100 * p.DownPieceDone,
		UpPiece:        p.UpPiece,
		UpPiecePct:     100 * p.UpPieceDone,
		Link:           p.Link,
	}
	if !p.Rendezvous.IsZero() {
		pv.Rendezvous = p.Rendezvous.String()
	}
	return pv
}

// fileDone is the number of verified bytes of file f.
func fileDone(info *metainfo.Info, f metainfo.File, have interface{ Has(int) bool }) int64 {
	if f.Length == 0 {
		return 0
	}
	pl := info.PieceLength
	first, last := f.Offset/pl, (f.Offset+f.Length-1)/pl
	var done int64
	for p := first; p <= last; p++ {
		if !have.Has(int(p)) {
			continue
		}
		lo, hi := max(p*pl, f.Offset), min((p+1)*pl, f.Offset+f.Length)
		done += hi - lo
	}
	return done
}

func trackerText(t engine.TrackerStats) string {
	switch {
	case t.Err != nil:
		return "error: " + t.Err.Error()
	case t.Last.IsZero():
		return ""
	default:
		s := fmt.Sprintf("announce ok, %d peers", t.Peers)
		if !t.Next.IsZero() {
			s += fmt.Sprintf(", next in %s", time.Until(t.Next).Round(time.Second))
		}
		return s
	}
}

func peerLabel(p engine.PeerStats) string {
	if p.Client != "" {
		return p.Client
	}
	return "?"
}

// printableID shows a peer id's client prefix and the rest in hex.
func printableID(id bt.PeerID) string {
	n := len(bt.PeerIDPrefix)
	return string(id[:n]) + fmt.Sprintf("%x", id[n:n+6])
}

// SetLimits implements tui.Controller.
func (c *consoleSource) SetLimits(down, up int64) { c.s.SetLimits(down, up) }

// Pause implements tui.Controller.
func (c *consoleSource) Pause(ih string) {
	if t := c.torrent(ih); t != nil {
		t.Pause()
		if c.onPause != nil {
			c.onPause(t.InfoHash(), true)
		}
	}
}

// Resume implements tui.Controller.
func (c *consoleSource) Resume(ih string) {
	if t := c.torrent(ih); t != nil {
		t.Resume()
		if c.onPause != nil {
			c.onPause(t.InfoHash(), false)
		}
	}
}

func (c *consoleSource) torrent(ih string) *engine.Torrent {
	h, err := bt.ParseInfoHash(ih)
	if err != nil {
		return nil
	}
	return c.s.Torrent(h)
}

// eventPeer names the peer of e: "rdv:" and its rendezvous ID (the
// first 8 hex digits if short) when it came through the routers, whose
// socket's address may be a router's; its address otherwise.
func eventPeer(e engine.Event, short bool) string {
	if e.Rendezvous.IsZero() {
		return e.Peer.String()
	}
	if short {
		return "rdv:" + e.Rendezvous.Short()
	}
	return "rdv:" + e.Rendezvous.String()
}

// eventWriter writes the event log as text lines.
type eventWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *eventWriter) event(e engine.Event) {
	kind, detail := eventKind(e)
	w.mu.Lock()
	fmt.Fprintf(w.w, "%s %s %s %s %s\n", e.Time.Format("15:04:05.000000"), e.Torrent, eventPeer(e, false), kind, detail)
	w.mu.Unlock()
}
