package lab

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sampleReport is a sweep of the lighter lab variant with made-up
// measurements.
func sampleReport() Report {
	r := Report{F: 16 << 20, Us: 2560 << 10, Ups: []float64{256 << 10}}
	for _, x := range []struct {
		n              int
		cs, p2p        float64
		first, median  float64
		utilCS, utilPP float64
	}{
		{2, 12.83, 10.9, 10.1, 10.5, 0.998, 0.98},
		{4, 25.62, 18.6, 17.2, 18.0, 0.999, 0.985},
		{8, 51.31, 28.8, 22.0, 25.1, 0.999, 0.99},
	} {
		m := r.Model(x.n)
		r.Rows = append(r.Rows,
			Row{N: x.n, Mode: ClientServer, Measured: x.cs, Bound: m.ClientServer(), First: x.first, Median: x.median, Util: x.utilCS, CPU: 0.03, Host: 0.1},
			Row{N: x.n, Mode: PeerToPeer, Measured: x.p2p, Bound: m.PeerToPeer(), First: x.first, Median: x.median, Util: x.utilPP, CPU: 0.05, Host: 0.2},
		)
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n%s", name, got)
	}
}

func TestReportGolden(t *testing.T) {
	r := sampleReport()
	for _, tt := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"distribution.txt", func(b *bytes.Buffer) error { return r.WriteTable(b) }},
		{"distribution.csv", func(b *bytes.Buffer) error { return r.WriteCSV(b) }},
		{"distribution.svg", func(b *bytes.Buffer) error { return r.WriteSVG(b) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

func TestSVGShape(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{"<svg ", "</svg>", "client-server bound", "peer-to-peer measured", "N (peers)", "T / (F/u)"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	// Two bound curves, three measured points per mode plus one legend
	// marker each.
	if n := strings.Count(s, "<polyline"); n != 2 {
		t.Errorf("%d curves, want 2", n)
	}
	if n := strings.Count(s, "<circle"); n != 4 {
		t.Errorf("%d peer-to-peer markers, want 4", n)
	}
}

func TestTicks(t *testing.T) {
	tests := []struct{ hi, step, top float64 }{
		{64, 10, 70},
		{6.4, 1, 7},
		{0.85, 0.1, 0.9},
		{1, 0.1, 1},
		{2.3, 0.5, 2.5},
		{0, 1, 1},
	}
	for _, tt := range tests {
		step, top := ticks(tt.hi)
		if !near(step, tt.step) || !near(top, tt.top) {
			t.Errorf("ticks(%v) = %v, %v; want %v, %v", tt.hi, step, top, tt.step, tt.top)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := map[float64]string{
		512:        "512 B",
		256 << 10:  "256 KiB",
		2560 << 10: "2.5 MiB",
		16 << 20:   "16 MiB",
		1536:       "1.5 KiB",
	}
	for n, want := range tests {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%v) = %q, want %q", n, got, want)
		}
	}
}
