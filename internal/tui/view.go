package tui

import (
	"fmt"
	"strconv"
	"strings"
)

// Layout limits, in terminal cells or lines.
const (
	maxNameWidth  = 60 // torrent names
	minNameWidth  = 8
	maxAddrWidth  = 40 // peer addresses
	maxIDWidth    = 20 // peer ids
	minIDWidth    = 8  // peer ids when the terminal is narrow: "-TR4050-"
	maxFiles      = 8  // file lines per torrent
	rateWidth     = 10 // "1023 KiB/s"
	minStateWidth = 9  // "  seeding"
	roleWidth     = 7  // "leecher"
)

// View renders the screen: header, Downloads, Uploads, the event pane when
// open, and a footer with the keys or the input line. Every line fits the
// terminal width and the whole fits its height.
func (m Model) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	header := m.header(w)
	footer := m.footer(w)

	room := max(h-len(header)-1, 0)
	var events []string
	if m.events {
		events = m.eventPane(w, max(room/3, min(room, 3)))
	}
	body, selLine := m.body(w)
	body = window(body, selLine, room-len(events), m.st.dim.Render)

	lines := make([]string, 0, h)
	lines = append(lines, header...)
	lines = append(lines, body...)
	lines = append(lines, events...)
	if len(lines) > h-1 {
		lines = lines[:h-1]
	}
	lines = append(lines, footer)
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return strings.Join(lines, "\n")
}

// window returns at most n of lines, chosen so that line sel stays visible,
// marking cut lines above and below.
func window(lines []string, sel, n int, dim func(...string) string) []string {
	if n <= 0 {
		return nil
	}
	if len(lines) <= n {
		return lines
	}
	start := max(0, min(sel-n/3, len(lines)-n))
	out := append([]string(nil), lines[start:start+n]...)
	if n < 3 {
		return out
	}
	if start > 0 {
		out[0] = dim(fmt.Sprintf("  … %d more lines above", start+1))
	}
	if below := len(lines) - (start + n); below > 0 {
		out[n-1] = dim(fmt.Sprintf("  … %d more lines below", below+1))
	}
	return out
}

// rule is a section title followed by a line to the right edge.
func (m Model) rule(title string, w int) string {
	t := "── " + title + " "
	return m.st.title.Render(t) + m.st.dim.Render(strings.Repeat("─", max(w-width(t), 0)))
}

func (m Model) header(w int) []string {
	s, st := m.snap, m.st
	peerID := clean(s.PeerID, 40)
	if peerID == "" {
		peerID = "-"
	}
	listen := clean(s.Listen, 64)
	if listen == "" {
		listen = "-"
	}
	first := st.title.Render("shoal") + "  " + st.label.Render("peer") + " " + peerID +
		"  " + st.label.Render("listen") + " " + listen
	if !m.now.IsZero() {
		clock := m.now.Format("15:04:05")
		if gap := w - width(first) - len(clock); gap >= 2 {
			first += strings.Repeat(" ", gap) + st.dim.Render(clock)
		}
	}

	trackers := "none"
	if len(s.Trackers) > 0 {
		parts := make([]string, 0, len(s.Trackers))
		for _, t := range s.Trackers {
			parts = append(parts, clean(t, 200))
		}
		trackers = strings.Join(parts, ", ")
	}
	second := st.label.Render("trackers") + " " + trackers

	third := st.down.Render("↓ "+formatRate(finite(s.DownRate))) + " " +
		st.label.Render("(max "+formatLimit(s.MaxDown)+")") + "   " +
		st.up.Render("↑ "+formatRate(finite(s.UpRate))) + " " +
		st.label.Render("(max "+formatLimit(s.MaxUp)+")") + "   " +
		st.label.Render("sort") + " " + m.sort.String()
	return []string{first, second, third}
}

func (m Model) footer(w int) string {
	st := m.st
	if m.edit != editNone {
		which, cur := "download", m.snap.MaxDown
		if m.edit == editUp {
			which, cur = "upload", m.snap.MaxUp
		}
		prompt := fmt.Sprintf("max %s (now %s; e.g. 5MiB, 512K, 0 = unlimited): ", which, formatLimit(cur))
		line := st.input.Render(prompt) + m.input + "█"
		if m.inputErr != "" {
			line += "  " + st.err.Render(m.inputErr)
		}
		return line
	}
	if m.status != "" {
		return st.dim.Render(clean(m.status, w))
	}
	return st.dim.Render("↑↓ select  p pause/resume  d/u limits  s sort  e events  q quit")
}

// layout holds the column widths shared by all torrents of the screen.
type layout struct {
	name int // torrent name column
	bar  int // progress bar cells
	addr int
	link int // link markers, 0 when no peer has one
	id   int
	num  int // digits of the largest piece index
}

func (m Model) layout(w int, down, up [][]peerRow) layout {
	l := layout{bar: max(10, min(w/5, 30)), addr: 4, id: 2, num: 1}
	for _, t := range m.snap.Torrents {
		l.name = max(l.name, width(torrentName(t)))
		if len(t.Files) > 1 {
			for _, f := range t.Files[:min(len(t.Files), maxFiles)] {
				l.name = max(l.name, 2+width(clean(f.Path, 200)))
			}
		}
	}
	// Keep room for the marker, the bar, the percentage and a state.
	l.name = max(minNameWidth, min(l.name, maxNameWidth, w-2-2-l.bar-1-6-minStateWidth))
	for _, rows := range append(down, up...) {
		for _, r := range rows {
			l.addr = max(l.addr, width(r.addr))
			l.link = max(l.link, width(r.link))
			l.id = max(l.id, width(r.id))
			if r.piece >= 0 {
				l.num = max(l.num, len(strconv.Itoa(r.piece)))
			}
		}
	}
	l.addr = min(l.addr, maxAddrWidth)
	l.link = min(l.link, maxLinkWidth)
	l.id = min(l.id, maxIDWidth)
	// Narrow the ids, not the addresses, when a peer row is too wide.
	if over := l.peerWidth() - w; over > 0 {
		l.id = max(min(l.id, minIDWidth), l.id-over)
	}
	return l
}

// peerWidth is the width of the widest peer row peerLine can render.
func (l layout) peerWidth() int {
	n := 4 + rateWidth + 2 + roleWidth + 2 + l.addr + 2 + l.id + 2 + len("piece ") + l.num + 5 + len("  ch")
	if l.link > 0 {
		n += 2 + l.link
	}
	return n
}

// torrentName is the name shown for t.
func torrentName(t Torrent) string {
	if n := clean(t.Name, 200); n != "" {
		return n
	}
	if h := clean(t.InfoHash, 40); h != "" {
		return h
	}
	return "(unnamed)"
}

// body renders the Downloads and Uploads panes and returns the index of the
// selected torrent's line.
func (m Model) body(w int) ([]string, int) {
	ts := m.snap.Torrents
	down := make([][]peerRow, len(ts))
	up := make([][]peerRow, len(ts))
	for i, t := range ts {
		down[i] = downloadRows(t.Peers, m.sort)
		up[i] = uploadRows(t.Peers, m.sort)
	}
	l := m.layout(w, down, up)

	lines := []string{m.rule("Downloads", w)}
	selLine := 0
	if len(ts) == 0 {
		lines = append(lines, m.st.dim.Render("  no torrents"))
	}
	for i, t := range ts {
		if i == m.sel {
			selLine = len(lines)
		}
		lines = append(lines, m.downloadBlock(t, i == m.sel, down[i], l)...)
	}
	lines = append(lines, m.rule("Uploads", w))
	for i, t := range ts {
		lines = append(lines, m.uploadBlock(t, i == m.sel, up[i], l)...)
	}
	return lines, selLine
}

func (m Model) marker(sel bool) string {
	if sel {
		return m.st.selected.Render(">") + " "
	}
	return "  "
}

// state is the short state tag of a torrent, styled.
func (m Model) state(t Torrent) string {
	switch {
	case t.Err != "":
		return m.st.err.Render("error")
	case t.Paused:
		return m.st.paused.Render("paused")
	case t.Seeding:
		return m.st.seed.Render("seeding")
	}
	return ""
}

func (m Model) progress(f float64, w int) string {
	full, empty := bar(f, w)
	return m.st.barFull.Render(full) + m.st.barEmpty.Render(empty)
}

func (m Model) downloadBlock(t Torrent, sel bool, rows []peerRow, l layout) []string {
	st := m.st
	f := fraction(t.Done, t.Size, t.Seeding)
	line := m.marker(sel) + st.name.Render(padRight(torrentName(t), l.name)) + "  " +
		m.progress(f, l.bar) + " " + padLeft(formatPct(f), 6)
	if s := m.state(t); s != "" {
		line += "  " + s
	}
	line += "  " + st.down.Render("↓ "+formatRate(finite(t.DownRate))) +
		"  " + formatSize(t.Done) + " / " + formatSize(t.Size)
	lines := []string{line}

	var info []string
	if t.NumPieces > 0 {
		info = append(info, fmt.Sprintf("%d/%d pieces", max(t.Pieces, 0), t.NumPieces))
	}
	info = append(info, fmt.Sprintf("%d %s", len(t.Peers), plural(len(t.Peers), "peer", "peers")))
	if t.Tracker != "" {
		info = append(info, "tracker: "+clean(t.Tracker, 200))
	}
	lines = append(lines, "    "+st.dim.Render(strings.Join(info, " · ")))
	if t.Err != "" {
		lines = append(lines, "    "+st.err.Render("error: "+clean(t.Err, 200)))
	}
	if len(t.Files) > 1 {
		lines = append(lines, m.fileLines(t.Files, t.Seeding, l)...)
	}
	for _, r := range rows {
		lines = append(lines, m.peerLine(r, l, st.down.Render))
	}
	return lines
}

func (m Model) fileLines(files []File, seeding bool, l layout) []string {
	pathW := max(1, l.name-2)
	var lines []string
	for i, f := range files {
		if i == maxFiles {
			lines = append(lines, "    "+m.st.dim.Render(fmt.Sprintf("… %d more files", len(files)-maxFiles)))
			break
		}
		fr := fraction(f.Done, f.Size, seeding)
		lines = append(lines, "    "+padRight(clean(f.Path, 200), pathW)+"  "+
			m.progress(fr, l.bar)+" "+padLeft(formatPct(fr), 6)+"  "+formatSize(f.Size))
	}
	return lines
}

// peerLine renders one peer row: rate, role, address, link, id, piece,
// ch. The link column is left out when no peer has a link marker.
func (m Model) peerLine(r peerRow, l layout, rateStyle func(...string) string) string {
	st := m.st
	role := padRight(r.role, roleWidth)
	if r.role == "seed" {
		role = st.seed.Render(role)
	}
	id := r.id
	if id == "" {
		id = "-"
	}
	piece := padRight("-", len("piece ")+l.num+5)
	if r.piece >= 0 {
		piece = fmt.Sprintf("piece %-*d %4s", l.num, r.piece, piecePct(r.pct))
	}
	addr := r.addr
	if addr == "" {
		addr = "-"
	}
	line := "    " + rateStyle(padLeft(formatRate(r.rate), rateWidth)) + "  " + role + "  " +
		padRight(addr, l.addr) + "  "
	if l.link > 0 {
		link := padRight(r.link, l.link)
		if r.link == "relayed" {
			link = st.warn.Render(link)
		} else {
			link = st.dim.Render(link)
		}
		line += link + "  "
	}
	line += st.dim.Render(padRight(id, l.id)) + "  " + piece
	if r.choke {
		line += "  " + st.choke.Render("ch")
	}
	return strings.TrimRight(line, " ")
}

func (m Model) uploadBlock(t Torrent, sel bool, rows []peerRow, l layout) []string {
	st := m.st
	line := m.marker(sel) + st.name.Render(padRight(torrentName(t), l.name)) + "  " +
		st.label.Render("uploaded") + " " + padLeft(formatSize(t.Uploaded), 9) + "  " +
		st.up.Render("↑ "+formatRate(finite(t.UpRate)))
	if s := m.state(t); s != "" {
		line += "  " + s
	}
	lines := []string{line}
	for _, r := range rows {
		lines = append(lines, m.peerLine(r, l, st.up.Render))
	}
	return lines
}

// eventPane renders the last events in at most n lines, title included.
func (m Model) eventPane(w, n int) []string {
	if n <= 0 {
		return nil
	}
	evs := m.snap.Events
	lines := []string{m.rule(fmt.Sprintf("Events (%d)", len(evs)), w)}
	if n == 1 {
		return lines
	}
	if len(evs) == 0 {
		return append(lines, m.st.dim.Render("  no events yet"))
	}
	evs = evs[max(0, len(evs)-(n-1)):]
	var tw, pw, kw int
	for _, e := range evs {
		tw = max(tw, width(clean(e.Torrent, 24)))
		pw = max(pw, width(clean(e.Peer, 40)))
		kw = max(kw, width(clean(e.Kind, 12)))
	}
	for _, e := range evs {
		ts := "--:--:--.---"
		if !e.Time.IsZero() {
			ts = e.Time.Format("15:04:05.000")
		}
		line := m.st.dim.Render(ts) + "  " + padRight(clean(e.Torrent, 24), tw) + "  " +
			padRight(clean(e.Peer, 40), pw) + "  " + m.st.name.Render(padRight(clean(e.Kind, 12), kw)) +
			"  " + clean(e.Detail, 200)
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}
