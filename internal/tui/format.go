package tui

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// formatBytes renders n bytes with a binary unit and about three significant
// digits: "0 B", "999 B", "1.50 KiB", "12.3 MiB", "512 GiB".
func formatBytes(n float64) string {
	if math.IsNaN(n) || n < 0 {
		n = 0
	}
	if n < 1024 {
		return fmt.Sprintf("%.0f B", math.Floor(n))
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := n
	u := -1
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if math.IsInf(v, 0) || v >= 1e6 {
		return "huge"
	}
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f %s", v, units[u])
	case v < 100:
		return fmt.Sprintf("%.1f %s", v, units[u])
	default:
		return fmt.Sprintf("%.0f %s", v, units[u])
	}
}

// formatSize renders a byte count.
func formatSize(n int64) string { return formatBytes(float64(n)) }

// formatRate renders a rate in bytes per second.
func formatRate(r float64) string { return formatBytes(r) + "/s" }

// formatLimit renders a limit; 0 or less is unlimited.
func formatLimit(n int64) string {
	if n <= 0 {
		return "unlimited"
	}
	return formatRate(float64(n))
}

// finite returns r, or 0 when r is NaN, infinite or negative.
func finite(r float64) float64 {
	if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
		return 0
	}
	return r
}

// fraction returns done/size clamped to [0, 1]. A torrent or file of size 0
// counts as complete when full is true and as empty otherwise.
func fraction(done, size int64, full bool) float64 {
	if size <= 0 {
		if full {
			return 1
		}
		return 0
	}
	if done <= 0 {
		return 0
	}
	if done >= size {
		return 1
	}
	return float64(done) / float64(size)
}

// formatPct renders a fraction in [0, 1] as a percentage with one decimal.
// It never shows 100.0% for a fraction below 1.
func formatPct(f float64) string {
	p := math.Floor(f*1000) / 10
	return fmt.Sprintf("%.1f%%", p)
}

// piecePct renders a per-piece percentage given as 0..100.
func piecePct(p float64) string {
	if math.IsNaN(p) || p < 0 {
		p = 0
	}
	if p > 100 {
		p = 100
	}
	return fmt.Sprintf("%.0f%%", math.Floor(p))
}

// bar draws a progress bar of width w cells for a fraction in [0, 1].
func bar(f float64, w int) (filled, empty string) {
	if w <= 0 {
		return "", ""
	}
	n := int(math.Floor(f * float64(w)))
	n = max(0, min(n, w))
	return strings.Repeat("█", n), strings.Repeat("░", w-n)
}

// clean makes untrusted text safe to print on one terminal line: invalid
// UTF-8 and control characters (including escape sequences' introducers)
// become '?', and the result is cut to maxRunes runes.
func clean(s string, maxRunes int) string {
	ok := utf8.ValidString(s)
	if ok {
		for _, r := range s {
			if unicode.IsControl(r) || r == utf8.RuneError || isFormat(r) {
				ok = false
				break
			}
		}
	}
	if ok && utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxRunes {
			break
		}
		if unicode.IsControl(r) || r == utf8.RuneError || isFormat(r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// isFormat reports invisible format characters such as bidirectional
// overrides, which can reorder what a terminal shows.
func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

// width is the number of terminal cells s occupies, ignoring styling.
func width(s string) int { return ansi.StringWidth(s) }

// truncate cuts s, which may hold styling, to at most w cells, ending with
// "…" when something was cut.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// padRight truncates or pads s with spaces to exactly w cells.
func padRight(s string, w int) string {
	s = truncate(s, w)
	if d := w - width(s); d > 0 {
		s += strings.Repeat(" ", d)
	}
	return s
}

// padLeft truncates s to w cells and pads it on the left to exactly w cells.
func padLeft(s string, w int) string {
	s = truncate(s, w)
	if d := w - width(s); d > 0 {
		s = strings.Repeat(" ", d) + s
	}
	return s
}
