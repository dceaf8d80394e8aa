package lab

import (
	"math"
	"testing"
)

// The textbook example: F/u = 1 hour, u_s = 10u. Client-server takes N/10
// hours, peer-to-peer N/(10+N) hours (but at least F/u_s = 0.1 hour).
func TestBoundsTextbook(t *testing.T) {
	const hour = 3600.0
	const u = 1.0
	tests := []struct {
		n       int
		cs, p2p float64 // hours
	}{
		{1, 0.1, 0.1},
		{2, 0.2, 2.0 / 12},
		{10, 1, 0.5},
		{30, 3, 0.75},
		{1000, 100, 1000.0 / 1010},
	}
	for _, tt := range tests {
		m := Model{F: hour * u, Us: 10 * u, Up: Cycle([]float64{u}, tt.n)}
		if got := m.ClientServer() / hour; !near(got, tt.cs) {
			t.Errorf("N=%d: client-server %.6f h, want %.6f", tt.n, got, tt.cs)
		}
		if got := m.PeerToPeer() / hour; !near(got, tt.p2p) {
			t.Errorf("N=%d: peer-to-peer %.6f h, want %.6f", tt.n, got, tt.p2p)
		}
		if got := m.PeerToPeer(); got >= hour {
			t.Errorf("N=%d: peer-to-peer bound %.0f s is not under F/u", tt.n, got)
		}
	}
}

func TestBoundsTerms(t *testing.T) {
	tests := []struct {
		name    string
		m       Model
		cs, p2p float64
	}{
		{"slow download dominates", Model{F: 100, Us: 100, Up: []float64{10, 10}, Dmin: 2}, 50, 50},
		{"seed dominates p2p", Model{F: 100, Us: 10, Up: []float64{1000, 1000}}, 20, 10},
		{"heterogeneous", Model{F: 120, Us: 60, Up: []float64{10, 20, 30, 60}}, 8, 480.0 / 180},
		{"unlimited download", Model{F: 100, Us: 50, Up: []float64{50}, Dmin: math.Inf(1)}, 2, 2},
	}
	for _, tt := range tests {
		if got := tt.m.ClientServer(); !near(got, tt.cs) {
			t.Errorf("%s: client-server %v, want %v", tt.name, got, tt.cs)
		}
		if got := tt.m.PeerToPeer(); !near(got, tt.p2p) {
			t.Errorf("%s: peer-to-peer %v, want %v", tt.name, got, tt.p2p)
		}
		if tt.m.Bound(ClientServer) != tt.m.ClientServer() || tt.m.Bound(PeerToPeer) != tt.m.PeerToPeer() {
			t.Errorf("%s: Bound disagrees", tt.name)
		}
	}
}

func TestCycleAndModes(t *testing.T) {
	got := Cycle([]float64{1, 2, 3}, 5)
	want := []float64{1, 2, 3, 1, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Cycle = %v, want %v", got, want)
		}
	}
	for _, s := range []string{"cs", "p2p"} {
		m, err := ParseMode(s)
		if err != nil || m.String() != s {
			t.Errorf("ParseMode(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseMode("mesh"); err == nil {
		t.Error("ParseMode accepted an unknown mode")
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(b)) }
