package tui

import (
	"errors"
	"strconv"
	"testing"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{in: "0", want: 0},
		{in: "", want: 0},
		{in: "  ", want: 0},
		{in: "unlimited", want: 0},
		{in: "Off", want: 0},
		{in: "100", want: 100},
		{in: "100B", want: 100},
		{in: "100 b/s", want: 100},
		{in: "512K", want: 512 << 10},
		{in: "512k", want: 512 << 10},
		{in: "512KiB", want: 512 << 10},
		{in: "512 KB", want: 512_000},
		{in: "5MiB", want: 5 << 20},
		{in: "5mib/s", want: 5 << 20},
		{in: "5 Mi", want: 5 << 20},
		{in: "5MB", want: 5_000_000},
		{in: "1.5M", want: 3 << 19},
		{in: ".5K", want: 512},
		{in: "2G", want: 2 << 30},
		{in: "1T", want: 1 << 40},
		{in: "1TB", want: 1e12},
		{in: "0.0001", want: 0},
		{in: "-5M", err: true},
		{in: "5X", err: true},
		{in: "M", err: true},
		{in: "1.2.3", err: true},
		{in: ".", err: true},
		{in: "5 M B", err: true},
		{in: "1e3", err: true},
		{in: "9999999999T", err: true},
		{in: "99999999999999999999999", err: true},
		{in: "5MiB/s/s", err: true},
		{in: "1" + string(make([]byte, 100)), err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if tt.err {
				if err == nil || !errors.Is(err, ErrRate) {
					t.Fatalf("ParseRate(%q) = %d, %v; want an ErrRate", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRate(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"0", "5MiB", "512K", "1.5 m/s", "100KB", "-1", "x", "9999999999T", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseRate(s)
		if err != nil {
			return
		}
		if v < 0 {
			t.Fatalf("ParseRate(%q) = %d", s, v)
		}
		// Bytes, rendered as digits, read back unchanged.
		back, err := ParseRate(strconv.FormatInt(v, 10))
		if v < 1<<53 && (err != nil || back != v) {
			t.Fatalf("ParseRate(%d) = %d, %v", v, back, err)
		}
	})
}
