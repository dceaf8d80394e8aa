package tui

import (
	"math"
	"testing"
)

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0 B"},
		{-1, "0 B"},
		{math.NaN(), "0 B"},
		{math.Inf(1), "huge"},
		{1e30, "huge"},
		{999, "999 B"},
		{1023.9, "1023 B"},
		{1024, "1.00 KiB"},
		{1536, "1.50 KiB"},
		{12.34 * (1 << 20), "12.3 MiB"},
		{512 * (1 << 30), "512 GiB"},
		{math.MaxInt64, "8.00 EiB"},
	}
	for _, tt := range tests {
		if got := formatBytes(tt.in); got != tt.want {
			t.Errorf("formatBytes(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := formatLimit(0); got != "unlimited" {
		t.Errorf("formatLimit(0) = %q", got)
	}
	if got := formatLimit(5 << 20); got != "5.00 MiB/s" {
		t.Errorf("formatLimit(5MiB) = %q", got)
	}
}

func TestFractionAndPct(t *testing.T) {
	tests := []struct {
		done, size int64
		full       bool
		want       string
	}{
		{0, 0, false, "0.0%"},
		{0, 0, true, "100.0%"},
		{5, 0, false, "0.0%"},
		{-5, 10, false, "0.0%"},
		{20, 10, false, "100.0%"},
		{9999, 10000, false, "99.9%"},
		{1, 3, false, "33.3%"},
	}
	for _, tt := range tests {
		if got := formatPct(fraction(tt.done, tt.size, tt.full)); got != tt.want {
			t.Errorf("%d/%d full=%v: %q, want %q", tt.done, tt.size, tt.full, got, tt.want)
		}
	}
	for _, p := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -3, 250} {
		if got := piecePct(p); got != "0%" && got != "100%" {
			t.Errorf("piecePct(%v) = %q", p, got)
		}
	}
}

func TestBar(t *testing.T) {
	for _, f := range []float64{0, 0.5, 1, -1, 2} {
		full, empty := bar(f, 10)
		if width(full)+width(empty) != 10 {
			t.Errorf("bar(%v) is %d+%d cells", f, width(full), width(empty))
		}
	}
	if full, empty := bar(0.5, 0); full != "" || empty != "" {
		t.Error("bar of width 0 is not empty")
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"\x1b[2Jwipe", 20, "?[2Jwipe"},
		{"a\nb\tc\rd", 20, "a?b?c?d"},
		{"\u202eabc", 20, "?abc"},
		{"bad\xffutf8", 20, "bad?utf8"},
		{"日本語テキスト", 3, "日本語"},
		{"long", 2, "lo"},
	}
	for _, tt := range tests {
		if got := clean(tt.in, tt.max); got != tt.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestPad(t *testing.T) {
	if got := padRight("日本", 6); got != "日本  " {
		t.Errorf("padRight = %q", got)
	}
	if got := padLeft("ab", 4); got != "  ab" {
		t.Errorf("padLeft = %q", got)
	}
	if got := padRight("abcdef", 4); got != "abc…" {
		t.Errorf("padRight cut = %q", got)
	}
	if got := truncate("abc", 0); got != "" {
		t.Errorf("truncate to 0 = %q", got)
	}
}
