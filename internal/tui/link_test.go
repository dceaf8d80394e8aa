package tui

import (
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

func TestLinkMarker(t *testing.T) {
	tests := []struct {
		p          Peer
		addr, mark string
	}{
		{Peer{Addr: "10.0.0.2:6881"}, "10.0.0.2:6881", ""},
		{Peer{Addr: "203.0.113.9:7000", Rendezvous: "3f9a1c07e5b2d4461a8f0c9b7e6d5a4b3c2d1e0f", Link: "relayed"}, "rdv:3f9a1c07", "relayed"},
		{Peer{Addr: "198.51.100.4:1", Rendezvous: "b07c0ffe00", Link: "direct"}, "rdv:b07c0ffe", "direct"},
		{Peer{Rendezvous: "abc", Link: "simultaneous-open"}, "rdv:abc", "simopen"},
		{Peer{Rendezvous: "abc", Link: "connect-back"}, "rdv:abc", "back"},
		{Peer{Rendezvous: "abc", Link: "lan"}, "rdv:abc", "lan"},
		{Peer{Rendezvous: "abc"}, "rdv:abc", "rdv"},
		{Peer{Addr: "10.0.0.2:6881", Link: "rendezvous"}, "10.0.0.2:6881", "rdv"},
		{Peer{Rendezvous: "\x1b[2J", Link: "carrier-pigeon"}, "rdv:?[2J", "carrier"},
	}
	for _, tt := range tests {
		if got := peerAddr(tt.p); got != tt.addr {
			t.Errorf("peerAddr(%+v) = %q, want %q", tt.p, got, tt.addr)
		}
		if got := linkMarker(tt.p); got != tt.mark {
			t.Errorf("linkMarker(%+v) = %q, want %q", tt.p, got, tt.mark)
		}
	}
}

// TestViewRelayedStandsOut checks that a relayed link is drawn in the
// warning style and other link markers are not.
func TestViewRelayedStandsOut(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI)
	m := New(&fakeSource{}, &fakeController{}, Options{Now: func() time.Time { return testNow }, Renderer: r})
	m = update(m, snapMsg{snap: rdvSnapshot(), now: testNow})
	m = update(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	warn := m.st.warn.Render("relayed")
	if !strings.Contains(warn, "\x1b[") {
		t.Fatalf("warning style renders no escape sequence: %q", warn)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(m.View(), "\n") {
		if i := strings.Index(l, "rdv:"); i >= 0 {
			rows[l[i:i+len("rdv:")+rdvIDDigits]] = l
		}
	}
	for id, mark := range map[string]string{
		"rdv:3f9a1c07": "relayed", "rdv:b07c0ffe": "direct", "rdv:5e11a5e1": "simopen",
		"rdv:c0ffee00": "back", "rdv:1a2b3c4d": "lan",
	} {
		row, ok := rows[id]
		switch {
		case !ok:
			t.Errorf("no row for %s", id)
		case !strings.Contains(row, mark):
			t.Errorf("row of %s lacks %q: %q", id, mark, row)
		case (mark == "relayed") != strings.Contains(row, warn):
			t.Errorf("row of %s: warning style %v, want %v: %q", id, !(mark == "relayed"), mark == "relayed", row)
		}
	}
}
