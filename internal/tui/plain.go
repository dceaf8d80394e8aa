package tui

import (
	"fmt"
	"strings"
)

// Plain renders one line per torrent, without styling or escape sequences,
// for output that is not a terminal:
//
//	ubuntu.iso  45.2%  27.1 MiB/60.0 MiB  down 1.20 MiB/s  up 300 KiB/s  peers 4 (1 seed)
//
// When peers are reached through the rendezvous routers, their count by
// link kind follows, relayed links first:
//
//	ubuntu.iso  ...  peers 4 (1 seed)  rdv 2 (1 relayed, 1 direct)
//
// A state (paused, seeding, error: ...) ends the line when there is one.
func Plain(s Snapshot) []string {
	lines := make([]string, 0, len(s.Torrents))
	for _, t := range s.Torrents {
		f := fraction(t.Done, t.Size, t.Seeding)
		seeds := 0
		for _, p := range t.Peers {
			if p.Seed {
				seeds++
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s  %s  %s/%s  down %s  up %s  peers %d (%d %s)",
			torrentName(t), formatPct(f), formatSize(t.Done), formatSize(t.Size),
			formatRate(finite(t.DownRate)), formatRate(finite(t.UpRate)),
			len(t.Peers), seeds, plural(seeds, "seed", "seeds"))
		if rdv := rdvSummary(t.Peers); rdv != "" {
			b.WriteString("  " + rdv)
		}
		switch {
		case t.Err != "":
			b.WriteString("  error: " + clean(t.Err, 200))
		case t.Paused:
			b.WriteString("  paused")
		case t.Seeding:
			b.WriteString("  seeding")
		}
		lines = append(lines, b.String())
	}
	return lines
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
