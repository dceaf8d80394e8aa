package tui

import (
	"slices"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// press applies keys in order and returns the model and the last command.
func press(m Model, keys ...tea.KeyMsg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	for _, k := range keys {
		var next tea.Model
		next, cmd = m.Update(k)
		m = next.(Model)
	}
	return m, cmd
}

// typeText returns the key presses that type s.
func typeText(s string) []tea.KeyMsg {
	var keys []tea.KeyMsg
	for _, r := range s {
		if r == ' ' {
			keys = append(keys, tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
			continue
		}
		keys = append(keys, runes(string(r)))
	}
	return keys
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestQuit(t *testing.T) {
	tests := []struct {
		name string
		keys []tea.KeyMsg
	}{
		{"q", []tea.KeyMsg{runes("q")}},
		{"ctrl+c", []tea.KeyMsg{{Type: tea.KeyCtrlC}}},
		{"ctrl+c while editing", []tea.KeyMsg{runes("d"), runes("5"), {Type: tea.KeyCtrlC}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, _ := newTest(busySnapshot(), 80, 24)
			_, cmd := press(m, tt.keys...)
			if !isQuit(cmd) {
				t.Fatal("no tea.Quit")
			}
		})
	}
}

func TestQWhileEditingIsText(t *testing.T) {
	m, _, _ := newTest(busySnapshot(), 80, 24)
	m, cmd := press(m, runes("u"), runes("q"))
	if cmd != nil {
		t.Fatalf("q while editing returned a command")
	}
	if m.edit != editUp || m.input != "q" {
		t.Fatalf("edit %v input %q", m.edit, m.input)
	}
}

func TestSetLimits(t *testing.T) {
	s := busySnapshot() // MaxDown 5 MiB, MaxUp unlimited
	tests := []struct {
		key   string
		text  string
		wantD int64
		wantU int64
	}{
		{"d", "5MiB", 5 << 20, 0},
		{"d", "512K", 512 << 10, 0},
		{"d", "0", 0, 0},
		{"d", "", 0, 0},
		{"d", "1.5 m/s", 3 << 19, 0},
		{"u", "512K", 5 << 20, 512 << 10},
		{"u", "2 MiB", 5 << 20, 2 << 20},
		{"u", "100KB", 5 << 20, 100_000},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+tt.text, func(t *testing.T) {
			m, src, ctl := newTest(s, 80, 24)
			keys := append([]tea.KeyMsg{runes(tt.key)}, typeText(tt.text)...)
			keys = append(keys, tea.KeyMsg{Type: tea.KeyEnter})
			m, cmd := press(m, keys...)
			if m.edit != editNone {
				t.Fatalf("still editing after Enter")
			}
			if cmd == nil {
				t.Fatal("Enter returned no command")
			}
			if len(ctl.limits) != 0 {
				t.Fatal("controller called before the command ran")
			}
			msg := cmd()
			want := [][2]int64{{tt.wantD, tt.wantU}}
			if !slices.Equal(ctl.limits, want) {
				t.Fatalf("SetLimits calls %v, want %v", ctl.limits, want)
			}
			if sm, ok := msg.(snapMsg); !ok || sm.tick || src.calls != 1 {
				t.Fatalf("after SetLimits: msg %#v, snapshots %d; want one untimed refresh", msg, src.calls)
			}
			if m.snap.MaxDown != tt.wantD || m.snap.MaxUp != tt.wantU {
				t.Fatalf("shown limits %d/%d", m.snap.MaxDown, m.snap.MaxUp)
			}
		})
	}
}

func TestLimitEditing(t *testing.T) {
	enter := tea.KeyMsg{Type: tea.KeyEnter}
	t.Run("invalid input stays open", func(t *testing.T) {
		m, _, ctl := newTest(busySnapshot(), 80, 24)
		m, cmd := press(m, append(append([]tea.KeyMsg{runes("d")}, typeText("5 parsecs")...), enter)...)
		if cmd != nil || len(ctl.limits) != 0 {
			t.Fatal("invalid input reached the controller")
		}
		if m.edit != editDown || m.inputErr == "" {
			t.Fatalf("edit %v, error %q", m.edit, m.inputErr)
		}
		// Fixing the input clears the error and applies.
		m, _ = press(m, tea.KeyMsg{Type: tea.KeyCtrlU})
		m, cmd = press(m, append(typeText("1M"), enter)...)
		if m.inputErr != "" || cmd == nil {
			t.Fatalf("error %q, cmd %v", m.inputErr, cmd)
		}
		cmd()
		if want := [][2]int64{{1 << 20, 0}}; !slices.Equal(ctl.limits, want) {
			t.Fatalf("SetLimits calls %v, want %v", ctl.limits, want)
		}
	})
	t.Run("esc cancels", func(t *testing.T) {
		m, _, ctl := newTest(busySnapshot(), 80, 24)
		m, cmd := press(m, runes("u"), runes("9"), tea.KeyMsg{Type: tea.KeyEsc})
		if cmd != nil || len(ctl.limits) != 0 || m.edit != editNone || m.input != "" {
			t.Fatalf("esc: cmd %v, calls %v, edit %v, input %q", cmd, ctl.limits, m.edit, m.input)
		}
	})
	t.Run("backspace", func(t *testing.T) {
		m, _, _ := newTest(busySnapshot(), 80, 24)
		m, _ = press(m, runes("d"), runes("5"), runes("é"), tea.KeyMsg{Type: tea.KeyBackspace})
		if m.input != "5" {
			t.Fatalf("input %q, want 5", m.input)
		}
	})
	t.Run("input is bounded", func(t *testing.T) {
		m, _, _ := newTest(busySnapshot(), 80, 24)
		m, _ = press(m, runes("d"), runes(string(make([]rune, 0))+"1234567890123456789012345678901234567890"))
		if len([]rune(m.input)) != maxInput {
			t.Fatalf("input holds %d runes, want %d", len([]rune(m.input)), maxInput)
		}
	})
	t.Run("nil controller", func(t *testing.T) {
		m := New(nil, nil, Options{Renderer: asciiRenderer()})
		m, cmd := press(m, append(append([]tea.KeyMsg{runes("d")}, typeText("1M")...), enter)...)
		if cmd != nil || m.edit != editNone {
			t.Fatalf("cmd %v edit %v", cmd, m.edit)
		}
	})
}

func TestPauseResume(t *testing.T) {
	s := busySnapshot() // torrent 2 is paused
	tests := []struct {
		name        string
		keys        []tea.KeyMsg
		wantPause   []string
		wantResumes []string
	}{
		{"first", []tea.KeyMsg{runes("p")}, []string{s.Torrents[0].InfoHash}, nil},
		{"down arrow", []tea.KeyMsg{{Type: tea.KeyDown}, runes("p")}, []string{s.Torrents[1].InfoHash}, nil},
		{"j", []tea.KeyMsg{runes("j"), runes("p")}, []string{s.Torrents[1].InfoHash}, nil},
		{"j j k", []tea.KeyMsg{runes("j"), runes("j"), runes("k"), runes("p")}, []string{s.Torrents[1].InfoHash}, nil},
		{"paused resumes", []tea.KeyMsg{runes("j"), runes("j"), runes("p")}, nil, []string{s.Torrents[2].InfoHash}},
		{"past the end", []tea.KeyMsg{runes("j"), runes("j"), runes("j"), runes("j"), runes("p")}, nil, []string{s.Torrents[2].InfoHash}},
		{"past the top", []tea.KeyMsg{{Type: tea.KeyUp}, runes("p")}, []string{s.Torrents[0].InfoHash}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, ctl := newTest(s, 80, 24)
			_, cmd := press(m, tt.keys...)
			if cmd == nil {
				t.Fatal("p returned no command")
			}
			cmd()
			if !slices.Equal(ctl.paused, tt.wantPause) || !slices.Equal(ctl.resumed, tt.wantResumes) {
				t.Fatalf("paused %v resumed %v; want %v %v", ctl.paused, ctl.resumed, tt.wantPause, tt.wantResumes)
			}
		})
	}
	t.Run("no torrents", func(t *testing.T) {
		m, _, ctl := newTest(Snapshot{}, 80, 24)
		_, cmd := press(m, runes("j"), runes("p"))
		if cmd != nil || len(ctl.paused)+len(ctl.resumed) != 0 {
			t.Fatal("p with no torrents did something")
		}
	})
}

func TestSelectionFollowsTorrent(t *testing.T) {
	s := busySnapshot()
	m, _, _ := newTest(s, 80, 24)
	m, _ = press(m, runes("j")) // select torrent 1
	want := s.Torrents[1].InfoHash

	// The engine reorders its torrents.
	r := busySnapshot()
	slices.Reverse(r.Torrents)
	m = update(m, snapMsg{snap: r, now: testNow})
	if got, _ := m.selected(); got.InfoHash != want {
		t.Fatalf("selected %s after reorder, want %s", got.InfoHash, want)
	}
	// The selected torrent is removed: the selection stays in range.
	r.Torrents = r.Torrents[:1]
	m = update(m, snapMsg{snap: r, now: testNow})
	if m.sel != 0 {
		t.Fatalf("sel %d with one torrent", m.sel)
	}
	m = update(m, snapMsg{snap: Snapshot{}, now: testNow})
	if _, ok := m.selected(); ok {
		t.Fatal("selection with no torrents")
	}
}

func TestSortCycles(t *testing.T) {
	m, _, _ := newTest(busySnapshot(), 80, 24)
	want := []sortMode{sortAddress, sortProgress, sortRate, sortAddress}
	for i, w := range want {
		m, _ = press(m, runes("s"))
		if m.sort != w {
			t.Fatalf("after %d presses sort is %v, want %v", i+1, m.sort, w)
		}
	}
}

func TestEventsToggle(t *testing.T) {
	m, _, _ := newTest(busySnapshot(), 100, 40)
	m, _ = press(m, runes("e"))
	if !m.events {
		t.Fatal("e did not open the event pane")
	}
	m, _ = press(m, runes("e"))
	if m.events {
		t.Fatal("e did not close the event pane")
	}
}

func TestTicks(t *testing.T) {
	s := busySnapshot()
	src := &fakeSource{snap: s}
	m := New(src, nil, Options{Refresh: time.Millisecond, Now: func() time.Time { return testNow }, Renderer: asciiRenderer()})
	msg := m.Init()()
	sm, ok := msg.(snapMsg)
	if !ok || !sm.tick || src.calls != 1 {
		t.Fatalf("Init: %#v, %d snapshots", msg, src.calls)
	}
	next, cmd := m.Update(sm)
	m = next.(Model)
	if cmd == nil {
		t.Fatal("a tick did not schedule the next one")
	}
	if len(m.snap.Torrents) != len(s.Torrents) || !m.now.Equal(testNow) {
		t.Fatal("snapshot not installed")
	}
	if sm, ok := cmd().(snapMsg); !ok || !sm.tick || src.calls != 2 {
		t.Fatalf("next tick: %#v, %d snapshots", sm, src.calls)
	}
	// A refresh after a command does not start a second tick chain.
	if _, cmd := m.Update(snapMsg{snap: s}); cmd != nil {
		t.Fatal("untimed refresh scheduled a tick")
	}
}

func TestDefaults(t *testing.T) {
	m := New(nil, nil, Options{})
	if m.refresh != DefaultRefresh || m.nowFn == nil {
		t.Fatalf("refresh %v", m.refresh)
	}
	if sm, ok := m.Init()().(snapMsg); !ok || len(sm.snap.Torrents) != 0 {
		t.Fatal("nil source")
	}
	m = update(m, tea.WindowSizeMsg{Width: 0, Height: 0})
	if m.View() != "" {
		t.Fatal("view of a zero-size terminal is not empty")
	}
	// Unknown messages and keys change nothing.
	m2, cmd := m.Update(struct{}{})
	if cmd != nil || m2.(Model).sel != m.sel {
		t.Fatal("unknown message")
	}
	if _, cmd := press(m, runes("x"), tea.KeyMsg{Type: tea.KeyF1}); cmd != nil {
		t.Fatal("unknown key returned a command")
	}
}
