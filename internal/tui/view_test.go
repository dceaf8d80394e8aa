package tui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden")

// checkGolden compares got with testdata/name.golden, or rewrites the file
// when -update is given.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file; got:\n%s\nwant:\n%s", path, got, want)
	}
}

// checkFits fails when the screen is larger than w x h.
func checkFits(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) > h {
		t.Errorf("%d lines, terminal has %d", len(lines), h)
	}
	for i, l := range lines {
		if width(l) > w {
			t.Errorf("line %d is %d cells wide, terminal has %d: %q", i, width(l), w, l)
		}
	}
}

func TestViewGolden(t *testing.T) {
	key := func(s string) tea.Msg {
		switch s {
		case "down":
			return tea.KeyMsg{Type: tea.KeyDown}
		}
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
	}
	tests := []struct {
		name string
		snap Snapshot
		w, h int
		keys []string
	}{
		{name: "busy_120x40", snap: busySnapshot(), w: 120, h: 40},
		{name: "busy_80x24", snap: busySnapshot(), w: 80, h: 24},
		{name: "busy_events_100x40", snap: busySnapshot(), w: 100, h: 40, keys: []string{"e"}},
		{name: "busy_small_60x14", snap: busySnapshot(), w: 60, h: 14, keys: []string{"down", "down"}},
		{name: "busy_sorted_address_120x40", snap: busySnapshot(), w: 120, h: 40, keys: []string{"s", "j"}},
		{name: "busy_edit_down_120x30", snap: busySnapshot(), w: 120, h: 30, keys: []string{"d", "5", "M", "i", "B"}},
		{name: "empty_80x12", snap: Snapshot{}, w: 80, h: 12, keys: []string{"e"}},
		{name: "odd_70x20", snap: oddSnapshot(), w: 70, h: 20, keys: []string{"e"}},
		{name: "rdv_80x24", snap: rdvSnapshot(), w: 80, h: 24},
		{name: "rdv_120x30", snap: rdvSnapshot(), w: 120, h: 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, _ := newTest(tt.snap, tt.w, tt.h)
			for _, k := range tt.keys {
				m = update(m, key(k))
			}
			got := m.View()
			checkFits(t, got, tt.w, tt.h)
			if strings.Contains(got, "\x1b") {
				t.Errorf("screen holds an escape sequence: %q", got)
			}
			checkGolden(t, tt.name, got+"\n")
		})
	}
}
