package tui

import "github.com/charmbracelet/lipgloss"

// styles holds the console's text styles, bound to one renderer.
type styles struct {
	title    lipgloss.Style // section titles
	label    lipgloss.Style // header labels
	name     lipgloss.Style // torrent names
	selected lipgloss.Style // the selection marker
	dim      lipgloss.Style // secondary text
	barFull  lipgloss.Style
	barEmpty lipgloss.Style
	seed     lipgloss.Style // the "seed" role
	choke    lipgloss.Style // the "ch" mark
	err      lipgloss.Style
	warn     lipgloss.Style // what needs attention, such as a relayed link
	paused   lipgloss.Style
	down     lipgloss.Style // download rates
	up       lipgloss.Style // upload rates
	input    lipgloss.Style // the input line
}

func newStyles(r *lipgloss.Renderer) styles {
	s := r.NewStyle
	return styles{
		title:    s().Bold(true).Foreground(lipgloss.Color("12")),
		label:    s().Foreground(lipgloss.Color("8")),
		name:     s().Bold(true),
		selected: s().Bold(true).Foreground(lipgloss.Color("11")),
		dim:      s().Foreground(lipgloss.Color("8")),
		barFull:  s().Foreground(lipgloss.Color("10")),
		barEmpty: s().Foreground(lipgloss.Color("8")),
		seed:     s().Foreground(lipgloss.Color("10")),
		choke:    s().Bold(true).Foreground(lipgloss.Color("9")),
		err:      s().Foreground(lipgloss.Color("9")),
		warn:     s().Bold(true).Foreground(lipgloss.Color("11")),
		paused:   s().Foreground(lipgloss.Color("11")),
		down:     s().Foreground(lipgloss.Color("14")),
		up:       s().Foreground(lipgloss.Color("13")),
		input:    s().Bold(true),
	}
}
