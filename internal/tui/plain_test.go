package tui

import (
	"slices"
	"strings"
	"testing"
)

func TestPlain(t *testing.T) {
	got := Plain(busySnapshot())
	want := []string{
		"debian-12.5.0-amd64-DVD-1  45.0%  1.71 GiB/3.81 GiB  down 3.25 MiB/s  up 100 KiB/s  peers 4 (1 seed)",
		"big-buck-bunny-1080p.mkv  100.0%  691 MiB/691 MiB  down 0 B/s  up 512 KiB/s  peers 2 (0 seeds)  seeding",
		"sintel-4k  12.5%  512 MiB/4.00 GiB  down 0 B/s  up 0 B/s  peers 0 (0 seeds)  paused",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Plain:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPlainOdd(t *testing.T) {
	if got := Plain(Snapshot{}); len(got) != 0 {
		t.Errorf("Plain of no torrents = %q", got)
	}
	lines := Plain(oddSnapshot())
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		if strings.ContainsAny(l, "\x1b\n\r\t\x00") || strings.Contains(l, "NaN") || strings.Contains(l, "Inf") {
			t.Errorf("unsafe line %q", l)
		}
	}
	if want := "(unnamed)  0.0%  10 B/0 B  down 0 B/s  up 0 B/s  peers 0 (0 seeds)"; lines[0] != want {
		t.Errorf("got %q, want %q", lines[0], want)
	}
	if !strings.HasSuffix(lines[1], "error: storage: disk full?second line") {
		t.Errorf("got %q", lines[1])
	}
}

func TestPlainRendezvous(t *testing.T) {
	got := Plain(rdvSnapshot())
	want := []string{
		"ubuntu-24.04-desktop-amd64.iso  50.0%  2.83 GiB/5.66 GiB  down 2.50 MiB/s  up 400 KiB/s  peers 6 (2 seeds)  rdv 5 (1 relayed, 1 direct, 1 simopen, 1 back, 1 lan)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Plain:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A state still ends the line; a link kind of another name is shown as
	// it comes, cleaned.
	s := rdvSnapshot()
	s.Torrents[0].Paused = true
	s.Torrents[0].Peers = append(s.Torrents[0].Peers,
		Peer{Rendezvous: "ffff", Link: "relayed"},
		Peer{Rendezvous: "eeee", Link: "rendezvous"},
		Peer{Rendezvous: "dddd", Link: "x\x1by"},
	)
	got = Plain(s)
	if want := "peers 9 (2 seeds)  rdv 8 (2 relayed, 1 direct, 1 simopen, 1 back, 1 lan, 1 rdv, 1 x?y)  paused"; len(got) != 1 || !strings.HasSuffix(got[0], want) {
		t.Errorf("Plain = %q, want it to end in %q", got, want)
	}
}
