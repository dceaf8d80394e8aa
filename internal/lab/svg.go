package lab

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
)

// Geometry of the plot.
const (
	svgW, svgH       = 760, 500
	plotL, plotR     = 80, svgW - 30
	plotT, plotB     = 50, svgH - 60
	csColor, p2pColr = "#c0392b", "#1f5f9e"
)

// WriteSVG plots T/(F/u) against N like the textbook figure: the
// client-server and peer-to-peer bounds as curves over every N up to the
// largest measured, and the measured times as markers.
func (r Report) WriteSVG(w io.Writer) error {
	bw := bufio.NewWriter(w)
	maxN := 1
	for _, row := range r.Rows {
		maxN = max(maxN, row.N)
	}
	fu := r.fu()
	ymax := 0.0
	for _, row := range r.Rows {
		ymax = max(ymax, row.Measured/fu, row.Bound/fu)
	}
	for n := 1; n <= maxN; n++ {
		m := r.Model(n)
		ymax = max(ymax, m.ClientServer()/fu, m.PeerToPeer()/fu)
	}
	xstep, xtop := ticks(float64(maxN))
	ystep, ytop := ticks(ymax)
	px := func(n float64) float64 { return plotL + n/xtop*(plotR-plotL) }
	py := func(v float64) float64 { return plotB - v/ytop*(plotB-plotT) }

	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n", svgW, svgH, svgW, svgH)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgW, svgH)
	fmt.Fprintf(bw, `<text x="%d" y="28" text-anchor="middle" font-size="15">%s</text>`+"\n", (plotL+plotR)/2, xmlEscape(r.title()))

	// Grid, ticks and their labels.
	for k := range int(math.Round(xtop/xstep)) + 1 {
		v := float64(k) * xstep
		x := px(v)
		fmt.Fprintf(bw, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e5e5e5"/>`+"\n", x, plotT, x, plotB)
		fmt.Fprintf(bw, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, plotB+18, tickLabel(v, xstep))
	}
	for k := range int(math.Round(ytop/ystep)) + 1 {
		v := float64(k) * ystep
		y := py(v)
		fmt.Fprintf(bw, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e5e5"/>`+"\n", plotL, y, plotR, y)
		fmt.Fprintf(bw, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", plotL-8, y+4, tickLabel(v, ystep))
	}
	fmt.Fprintf(bw, `<path d="M%d %dV%dH%d" fill="none" stroke="black"/>`+"\n", plotL, plotT, plotB, plotR)
	fmt.Fprintf(bw, `<text x="%d" y="%d" text-anchor="middle">N (peers)</text>`+"\n", (plotL+plotR)/2, plotB+44)
	fmt.Fprintf(bw, `<text x="22" y="%d" text-anchor="middle" transform="rotate(-90 22 %d)">distribution time T / (F/u)</text>`+"\n", (plotT+plotB)/2, (plotT+plotB)/2)

	// Bound curves.
	for _, mode := range []Mode{ClientServer, PeerToPeer} {
		var pts []string
		for n := 1; n <= maxN; n++ {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(float64(n)), py(r.Model(n).Bound(mode)/fu)))
		}
		fmt.Fprintf(bw, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", modeColor(mode), strings.Join(pts, " "))
	}
	// Measured points.
	for _, row := range r.Rows {
		marker(bw, row.Mode, px(float64(row.N)), py(row.Measured/fu))
	}

	// Legend: both bounds, then the modes measured.
	var measured []Mode
	for _, mode := range []Mode{ClientServer, PeerToPeer} {
		for _, row := range r.Rows {
			if row.Mode == mode {
				measured = append(measured, mode)
				break
			}
		}
	}
	lx, ly := float64(plotL+16), float64(plotT+14)
	fmt.Fprintf(bw, `<rect x="%.1f" y="%.1f" width="236" height="%d" fill="white" stroke="#999"/>`+"\n", lx-8, ly-10, 52+20*len(measured))
	y := ly + 6
	for _, mode := range []Mode{ClientServer, PeerToPeer} {
		fmt.Fprintf(bw, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`+"\n", lx, y, lx+24, y, modeColor(mode))
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f">%s bound</text>`+"\n", lx+34, y+4, modeName(mode))
		y += 20
	}
	for _, mode := range measured {
		marker(bw, mode, lx+12, y)
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f">%s measured</text>`+"\n", lx+34, y+4, modeName(mode))
		y += 20
	}
	fmt.Fprintln(bw, "</svg>")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("lab: svg: %w", err)
	}
	return nil
}

func (r Report) title() string {
	t := fmt.Sprintf("F = %s, u = %s/s, u_s = %s/s", FormatBytes(float64(r.F)), FormatBytes(r.unit()), FormatBytes(r.Us))
	if hetero(r.Ups) {
		t += " (peers' u_i vary)"
	}
	return t
}

func hetero(ups []float64) bool {
	for _, u := range ups {
		if u != ups[0] {
			return true
		}
	}
	return false
}

func marker(w io.Writer, mode Mode, x, y float64) {
	if mode == ClientServer {
		fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="9" height="9" fill="%s" stroke="black"/>`+"\n", x-4.5, y-4.5, modeColor(mode))
		return
	}
	fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s" stroke="black"/>`+"\n", x, y, modeColor(mode))
}

func modeColor(m Mode) string {
	if m == ClientServer {
		return csColor
	}
	return p2pColr
}

func modeName(m Mode) string {
	if m == ClientServer {
		return "client-server"
	}
	return "peer-to-peer"
}

// ticks returns a step of 1, 2 or 5 times a power of ten giving four to
// ten intervals, and the first multiple of it at or above hi.
func ticks(hi float64) (step, top float64) {
	if hi <= 0 || math.IsNaN(hi) || math.IsInf(hi, 0) {
		return 1, 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(hi/5)))
	step = mag
	for _, f := range []float64{1, 2, 5, 10} {
		step = f * mag
		if hi/step <= 10 {
			break
		}
	}
	top = math.Ceil(hi/step-1e-9) * step
	return step, top
}

func tickLabel(v, step float64) string {
	prec := 0
	if step < 1 {
		prec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	return fmt.Sprintf("%.*f", prec, v)
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }
