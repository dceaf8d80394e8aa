package lab

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func sampleSnapshot() Snapshot {
	addr := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	return Snapshot{
		Mode: PeerToPeer, Elapsed: 12500 * time.Millisecond, Bound: 24, FileSize: 32 << 20, NumPieces: 512,
		Nodes: []NodeView{
			{Name: "seed", Addr: addr("127.0.0.2"), Seed: true, UpCap: 2 << 20, Pieces: 512, Uploaded: 25 << 20, UploadsTo: []string{"A", "C"}},
			{Name: "A", Addr: addr("127.0.0.3"), UpCap: 1 << 20, Pieces: 256, Downloaded: 16 << 20, Uploaded: 12 << 20, UploadsTo: []string{"B", "seed"}},
			{Name: "B", Addr: addr("127.0.0.4"), UpCap: 1 << 20, Pieces: 512, Downloaded: 32 << 20, Uploaded: 12 << 20, Done: 11 * time.Second},
			{Name: "C", Addr: addr("127.0.0.5"), UpCap: 1 << 20, Pieces: 0},
		},
	}
}

func TestFrameGolden(t *testing.T) {
	prev := sampleSnapshot()
	prev.Elapsed -= time.Second
	prev.Nodes[1].Downloaded -= 3 << 19 // A got 1.5 MiB in the last second
	prev.Nodes[1].Uploaded -= 1 << 20
	got := strings.Join(Frame(WithRates(prev, sampleSnapshot()), 110), "\n") + "\n" + Plain(sampleSnapshot()) + "\n"
	golden(t, "frame.txt", []byte(got))
}

func TestFrameNarrow(t *testing.T) {
	for _, l := range Frame(sampleSnapshot(), 40) {
		if n := len([]rune(l)); n > 40 {
			t.Errorf("line of %d runes in a frame 40 wide: %q", n, l)
		}
	}
}

func TestWithRates(t *testing.T) {
	prev, cur := sampleSnapshot(), sampleSnapshot()
	cur.Elapsed += 2 * time.Second
	cur.Nodes[1].Downloaded += 1 << 20
	r := WithRates(prev, cur)
	if got := r.Nodes[1].DownRate; got != 512<<10 {
		t.Errorf("A's rate %v, want %v", got, 512<<10)
	}
	if cur.Nodes[1].DownRate != 0 {
		t.Error("WithRates changed its argument")
	}
	if done, total := cur.Leechers(); done != 1 || total != 3 {
		t.Errorf("Leechers = %d, %d", done, total)
	}
}

func TestSortNames(t *testing.T) {
	names := []string{"seed", "p10", "B", "p02", "A"}
	sortNames(names)
	if got := strings.Join(names, " "); got != "A B p02 p10 seed" {
		t.Errorf("sorted %q", got)
	}
}

func TestSummary(t *testing.T) {
	r := Result{
		Mode:  PeerToPeer,
		Model: Model{F: 32 << 20, Us: 2 << 20, Up: Cycle([]float64{1 << 20}, 2)},
		Total: 20 * time.Second,
		Seed:  PeerResult{Name: "seed", Uploaded: 32 << 20},
		Peers: []PeerResult{
			{Name: "A", Done: 8 * time.Second, Uploaded: 16 << 20},
			{Name: "B", Done: 20 * time.Second, Uploaded: 16 << 20},
		},
	}
	r.Bound = r.Model.PeerToPeer()
	got := strings.Join(Summary(r), "\n")
	for _, want := range []string{"after 20.0 s", "bound is 16.0 s", "ratio 1.250", "A 8.0 s B 20.0 s", "at least 32.0 s"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}
