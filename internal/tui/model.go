package tui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// DefaultRefresh is the refresh interval when Options.Refresh is zero.
const DefaultRefresh = 500 * time.Millisecond

// Default terminal size, used until a tea.WindowSizeMsg arrives.
const (
	defaultWidth  = 80
	defaultHeight = 24
)

// Options configures a Model.
type Options struct {
	// Refresh is the interval between snapshots; 0 means DefaultRefresh.
	// The issue asks for at least two refreshes a second.
	Refresh time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Renderer styles the output; nil means lipgloss's default renderer,
	// which detects the terminal's colours. Tests pass a renderer with the
	// Ascii profile for output without escape sequences.
	Renderer *lipgloss.Renderer
}

// editing says which limit the input line edits.
type editing int

const (
	editNone editing = iota
	editDown
	editUp
)

// maxInput bounds the input line, in runes.
const maxInput = 32

// Model is the console's bubbletea model. The zero value is not usable; call
// New.
type Model struct {
	src     Source
	ctl     Controller
	refresh time.Duration
	nowFn   func() time.Time
	st      styles

	snap   Snapshot
	now    time.Time
	width  int
	height int

	sel     int    // index of the selected torrent in snap.Torrents
	selHash string // its info hash, to follow it when the order changes
	sort    sortMode
	events  bool // event pane open

	edit     editing
	input    string
	inputErr string
	status   string // one-line message shown until the next key
}

// New returns a console reading snapshots from src and sending commands to
// ctl. Either may be nil: a nil src shows an empty session, a nil ctl ignores
// commands.
func New(src Source, ctl Controller, opts Options) Model {
	if opts.Refresh <= 0 {
		opts.Refresh = DefaultRefresh
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := opts.Renderer
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	return Model{
		src:     src,
		ctl:     ctl,
		refresh: opts.Refresh,
		nowFn:   opts.Now,
		st:      newStyles(r),
		now:     opts.Now(),
		width:   defaultWidth,
		height:  defaultHeight,
	}
}

// snapMsg carries a fresh snapshot into Update. tick marks the messages of
// the refresh cycle, each of which schedules the next tick.
type snapMsg struct {
	snap Snapshot
	now  time.Time
	tick bool
}

// fetch takes a snapshot now.
func (m Model) fetch(tick bool) tea.Cmd {
	src, now := m.src, m.nowFn
	return func() tea.Msg {
		var s Snapshot
		if src != nil {
			s = src.Snapshot()
		}
		return snapMsg{snap: s, now: now(), tick: tick}
	}
}

// scheduleTick takes a snapshot after the refresh interval.
func (m Model) scheduleTick() tea.Cmd {
	fetch := m.fetch(true)
	return tea.Tick(m.refresh, func(time.Time) tea.Msg { return fetch() })
}

// Init takes the first snapshot at once; the refresh cycle follows.
func (m Model) Init() tea.Cmd { return m.fetch(true) }

// Update handles window sizes, snapshots and keys.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(msg.Width, 0), max(msg.Height, 0)
		return m, nil
	case snapMsg:
		m.setSnapshot(msg.snap)
		m.now = msg.now
		if msg.tick {
			return m, m.scheduleTick()
		}
		return m, nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

// setSnapshot installs s and keeps the selection on the same torrent.
func (m *Model) setSnapshot(s Snapshot) {
	m.snap = s
	n := len(s.Torrents)
	if n == 0 {
		m.sel, m.selHash = 0, ""
		return
	}
	if m.selHash != "" {
		for i, t := range s.Torrents {
			if t.InfoHash == m.selHash {
				m.sel = i
				return
			}
		}
	}
	m.sel = max(0, min(m.sel, n-1))
	m.selHash = s.Torrents[m.sel].InfoHash
}

// selected returns the selected torrent, if any.
func (m Model) selected() (Torrent, bool) {
	if m.sel < 0 || m.sel >= len(m.snap.Torrents) {
		return Torrent{}, false
	}
	return m.snap.Torrents[m.sel], true
}
