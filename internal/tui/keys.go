package tui

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
)

// key handles one key press.
func (m Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if k.Type == tea.KeyCtrlC {
		return m, tea.Quit
	}
	if m.edit != editNone {
		return m.editKey(k)
	}
	m.status = ""
	switch k.String() {
	case "q":
		return m, tea.Quit
	case "up", "k":
		m.move(-1)
	case "down", "j":
		m.move(1)
	case "home", "g":
		m.move(-len(m.snap.Torrents))
	case "end", "G":
		m.move(len(m.snap.Torrents))
	case "s":
		m.sort = m.sort.next()
		m.status = "sort peers by " + m.sort.String()
	case "e":
		m.events = !m.events
	case "d":
		m.startEdit(editDown)
	case "u":
		m.startEdit(editUp)
	case "p":
		return m.togglePause()
	}
	return m, nil
}

// move changes the selection by delta torrents, clamped to the list.
func (m *Model) move(delta int) {
	n := len(m.snap.Torrents)
	if n == 0 {
		return
	}
	m.sel = max(0, min(m.sel+delta, n-1))
	m.selHash = m.snap.Torrents[m.sel].InfoHash
}

func (m *Model) startEdit(e editing) {
	m.edit = e
	m.input = ""
	m.inputErr = ""
}

// togglePause pauses the selected torrent, or resumes it when paused.
func (m Model) togglePause() (tea.Model, tea.Cmd) {
	t, ok := m.selected()
	if !ok || m.ctl == nil {
		return m, nil
	}
	ctl, hash, name := m.ctl, t.InfoHash, clean(t.Name, 40)
	if t.Paused {
		m.status = "resuming " + name
		return m, m.control(func() { ctl.Resume(hash) })
	}
	m.status = "pausing " + name
	return m, m.control(func() { ctl.Pause(hash) })
}

// control runs f off the UI goroutine and then refreshes the snapshot.
func (m Model) control(f func()) tea.Cmd {
	fetch := m.fetch(false)
	return func() tea.Msg {
		f()
		return fetch()
	}
}

// editKey handles a key while the limit input line is open.
func (m Model) editKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.Type {
	case tea.KeyEsc:
		m.edit = editNone
		m.input, m.inputErr = "", ""
		return m, nil
	case tea.KeyEnter:
		return m.applyLimit()
	case tea.KeyBackspace:
		if r := []rune(m.input); len(r) > 0 {
			m.input = string(r[:len(r)-1])
		}
	case tea.KeyCtrlU:
		m.input = ""
	case tea.KeySpace, tea.KeyRunes:
		n := utf8.RuneCountInString(m.input)
		for _, r := range k.Runes {
			if n < maxInput && unicode.IsPrint(r) {
				m.input += string(r)
				n++
			}
		}
	}
	m.inputErr = ""
	return m, nil
}

// applyLimit parses the input line and sends both limits to the controller.
func (m Model) applyLimit() (tea.Model, tea.Cmd) {
	v, err := ParseRate(m.input)
	if err != nil {
		m.inputErr = "not a rate; try 5MiB, 512K or 0"
		return m, nil
	}
	down, up := m.snap.MaxDown, m.snap.MaxUp
	which := "download"
	if m.edit == editDown {
		down = v
	} else {
		up = v
		which = "upload"
	}
	m.snap.MaxDown, m.snap.MaxUp = down, up
	m.edit = editNone
	m.input, m.inputErr = "", ""
	m.status = fmt.Sprintf("%s limit %s", which, formatLimit(v))
	if m.ctl == nil {
		return m, nil
	}
	ctl := m.ctl
	return m, m.control(func() { ctl.SetLimits(down, up) })
}
