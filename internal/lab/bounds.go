package lab

import (
	"fmt"
	"math"
)

// Mode is how the file is distributed.
type Mode int

// Modes.
const (
	// ClientServer: only the seed uploads; each peer knows only the seed.
	ClientServer Mode = iota
	// PeerToPeer: every peer uploads to the others too.
	PeerToPeer
)

// String returns "cs" or "p2p".
func (m Mode) String() string {
	switch m {
	case ClientServer:
		return "cs"
	case PeerToPeer:
		return "p2p"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode parses "cs" or "p2p".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "cs", "client-server":
		return ClientServer, nil
	case "p2p", "peer-to-peer":
		return PeerToPeer, nil
	}
	return 0, fmt.Errorf("lab: unknown mode %q (want cs or p2p)", s)
}

// Model is the textbook model of a distribution: a file of F bytes, a
// seed uploading at Us bytes/s and one peer per entry of Up uploading at
// that many bytes/s.
type Model struct {
	F  float64
	Us float64
	Up []float64
	// Dmin is the slowest peer's download rate; zero or less means
	// unlimited.
	Dmin float64
}

// N is the number of peers.
func (m Model) N() int { return len(m.Up) }

// SumUp is Σu_i.
func (m Model) SumUp() float64 {
	var s float64
	for _, u := range m.Up {
		s += u
	}
	return s
}

// download is F/d_min, or zero when downloads are unlimited.
func (m Model) download() float64 {
	if m.Dmin <= 0 || math.IsInf(m.Dmin, 1) {
		return 0
	}
	return m.F / m.Dmin
}

// ClientServer is the lower bound in seconds on the time until every peer
// has the file when only the seed uploads: max(N·F/u_s, F/d_min).
func (m Model) ClientServer() float64 {
	return max(float64(m.N())*m.F/m.Us, m.download())
}

// PeerToPeer is the lower bound in seconds when every peer uploads too:
// max(F/u_s, F/d_min, N·F/(u_s+Σu_i)).
func (m Model) PeerToPeer() float64 {
	return max(m.F/m.Us, m.download(), float64(m.N())*m.F/(m.Us+m.SumUp()))
}

// Bound is the lower bound in seconds of mode.
func (m Model) Bound(mode Mode) float64 {
	if mode == ClientServer {
		return m.ClientServer()
	}
	return m.PeerToPeer()
}

// Capacity is the total upload rate that can take part in mode: u_s for
// client-server, u_s+Σu_i for peer-to-peer.
func (m Model) Capacity(mode Mode) float64 {
	if mode == ClientServer {
		return m.Us
	}
	return m.Us + m.SumUp()
}

// Cycle returns n upload rates taken from ups in turn: peer i gets
// ups[i%len(ups)]. One rate makes a homogeneous swarm.
func Cycle(ups []float64, n int) []float64 {
	out := make([]float64, n)
	if len(ups) == 0 {
		return out
	}
	for i := range out {
		out[i] = ups[i%len(ups)]
	}
	return out
}
