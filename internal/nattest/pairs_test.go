package nattest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// natStep is the time the peers give each way of making a direct link:
// behind a NAT that drops the first punching SYN, the kernel sends the
// next one after a second, so a step must cover at least that and the
// round trip of the answer.
const natStep = "2500ms"

// procLife bounds every process these tests start.
const procLife = 2 * time.Minute

// watched is the output of a process, with a way to wait for a line.
type watched struct {
	mu   sync.Mutex
	buf  strings.Builder
	cond chan struct{} // closed and replaced on every write
}

func newWatched() *watched { return &watched{cond: make(chan struct{})} }

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	close(w.cond)
	w.cond = make(chan struct{})
	return len(p), nil
}

func (w *watched) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// wait waits until the output contains s.
func (w *watched) wait(s string, d time.Duration) bool {
	deadline := time.After(d)
	for {
		w.mu.Lock()
		found, cond := strings.Contains(w.buf.String(), s), w.cond
		w.mu.Unlock()
		if found {
			return true
		}
		select {
		case <-cond:
		case <-deadline:
			return false
		}
	}
}

// proc is a shoal process inside a namespace.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *watched
	done           chan error
}

// startShoal runs the shoal binary with args in namespace ns until the
// test ends (then it is interrupted, and killed 5 s later).
func startShoal(t *testing.T, tp *Topology, ns string, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procLife)
	p := &proc{cmd: tp.CommandContext(ctx, ns, shoalBin(t), args...), stdout: newWatched(), stderr: newWatched(), done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(os.Interrupt) }
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start shoal %s in %s: %v", args[0], ns, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-p.done
	})
	return p
}

// routerPair starts the two routers of tp, federated with pinned IDs,
// and waits until the first has joined the second. It returns their
// peer and metrics addresses.
func routerPair(t *testing.T, tp *Topology) (addrs, metrics [2]string) {
	t.Helper()
	addrs, metrics, _ = routerPairIDs(t, tp)
	return addrs, metrics
}

// routerPairIDs is routerPair that also returns the routers' IDs.
func routerPairIDs(t *testing.T, tp *Topology) (addrs, metrics, ids [2]string) {
	t.Helper()
	dir := t.TempDir()
	var keys [2]string
	for i := range keys {
		keys[i] = filepath.Join(dir, fmt.Sprintf("router%d.key", i))
		out, err := exec.Command(shoalBin(t), "id", "--key", keys[i]).Output()
		if err != nil {
			t.Fatalf("shoal id: %v", err)
		}
		ids[i] = strings.TrimSpace(string(out))
		addrs[i] = fmt.Sprintf("%s:7000", tp.Routers[i])
		metrics[i] = fmt.Sprintf("http://%s:9100/metrics", tp.Routers[i])
	}
	common := func(i int) []string {
		return []string{"router", "--cluster", fmt.Sprintf("c%d", i), "--listen", addrs[i], "--key", keys[i],
			"--metrics", fmt.Sprintf("%s:9100", tp.Routers[i])}
	}
	r1 := startShoal(t, tp, tp.Inet, append(common(1), "--accept", ids[0])...)
	if !r1.stdout.wait("metrics:", 30*time.Second) {
		t.Fatalf("router 1 did not start: %s%s", r1.stdout, r1.stderr)
	}
	r0 := startShoal(t, tp, tp.Inet, append(common(0), "--federate", ids[1]+"@"+addrs[1])...)
	if !r0.stderr.wait("router: federated", 30*time.Second) {
		t.Fatalf("router 0 did not federate: %s%s", r0.stdout, r0.stderr)
	}
	return addrs, metrics, ids
}

// benchResult is the part of shoal bench pairs' JSON the tests read.
type benchResult struct {
	Content      string         `json:"content"`
	Pairs        int            `json:"pairs"`
	Direct       int            `json:"direct"`
	Relayed      int            `json:"relayed"`
	Failed       int            `json:"failed"`
	Kinds        map[string]int `json:"kinds"`
	SetupP50     time.Duration  `json:"setup_p50_ns"`
	SetupP90     time.Duration  `json:"setup_p90_ns"`
	SetupP99     time.Duration  `json:"setup_p99_ns"`
	Messages     int64          `json:"messages"`
	Replied      int64          `json:"replied"`
	Dropped      int64          `json:"dropped"`
	RelayedBytes int64          `json:"relayed_bytes"`
	Errors       []string       `json:"errors"`
}

// benchPairs runs n pairs with shoal bench pairs: the answering peers in
// cluster 1, the dialing peers in cluster 0, each on its own host address.
func benchPairs(t *testing.T, tp *Topology, n int, extra ...string) (benchResult, string) {
	t.Helper()
	addrs, metrics := routerPair(t, tp)
	hosts := func(c int) string {
		h := tp.Clusters[c].Hosts
		return fmt.Sprintf("%s-%s", h[0], h[n-1])
	}
	common := []string{"bench", "pairs", "--pairs", fmt.Sprint(n), "--seed", "7", "--step", natStep, "--max-time", "100s"}
	ans := startShoal(t, tp, tp.Clusters[1].LAN, append(common, "--role", "answer", "--router", addrs[1], "--hosts", hosts(1))...)
	if !ans.stdout.wait("ready", 60*time.Second) {
		t.Fatalf("answering peers not ready: %s%s", ans.stdout, ans.stderr)
	}
	out := t.TempDir()
	args := append(common, "--role", "dial", "--router", addrs[0], "--hosts", hosts(0), "--out", out,
		"--metrics", metrics[0], "--metrics", metrics[1])
	dial := startShoal(t, tp, tp.Clusters[0].LAN, append(args, extra...)...)
	select {
	case err := <-dial.done:
		dial.done <- err
		if err != nil {
			t.Fatalf("shoal bench pairs --role dial: %v\n%s%s", err, dial.stdout, dial.stderr)
		}
	case <-time.After(procLife):
		t.Fatalf("shoal bench pairs --role dial did not end: %s%s", dial.stdout, dial.stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "pairs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rp struct {
		Results []benchResult `json:"results"`
	}
	if err := json.Unmarshal(b, &rp); err != nil || len(rp.Results) != 1 {
		t.Fatalf("pairs.json: %v: %s", err, b)
	}
	return rp.Results[0], dial.stdout.String()
}

// TestPairsAcrossNATs runs at least 100 pairs of real shoal peers (two
// shoal bench pairs processes, one per LAN, each peer on its own host
// address) through two federated shoal router processes, for each NAT
// pairing, and reports how many pairs got a direct link and how long
// links took. Two port-restricted NATs must give (nearly) every pair a
// direct link; whatever the NATs, every pair must exchange its messages,
// relayed where no direct link can be made.
func TestPairsAcrossNATs(t *testing.T) {
	pairs := 100
	if testing.Short() {
		pairs = 20
	}
	for _, tc := range []struct {
		mode      Mode
		minDirect int // percent
	}{
		{PortRestricted, 95},
		{OneSymmetric, 0},
		{BothSymmetric, 0},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			tp := Up(t, Config{Mode: tc.mode, HostsPerCluster: pairs})
			start := time.Now()
			r, table := benchPairs(t, tp, pairs, "--content", "audio", "--duration", "1s")
			t.Logf("%s: %d/%d direct (%d%%), %d relayed, %d failed; setup p50 %v p90 %v p99 %v; links %v; %d/%d messages answered (in %v)\n%s",
				tc.mode, r.Direct, r.Pairs, 100*r.Direct/max(r.Pairs, 1), r.Relayed, r.Failed,
				r.SetupP50.Round(time.Millisecond), r.SetupP90.Round(time.Millisecond), r.SetupP99.Round(time.Millisecond),
				r.Kinds, r.Replied, r.Messages, time.Since(start).Round(time.Millisecond), table)
			if r.Pairs != pairs || r.Failed != 0 {
				t.Errorf("%d of %d pairs failed: %v", r.Failed, r.Pairs, r.Errors)
			}
			if r.Messages == 0 || r.Replied != r.Messages || r.Dropped != 0 {
				t.Errorf("%d messages, %d answered, %d dropped: %v", r.Messages, r.Replied, r.Dropped, r.Errors)
			}
			if pct := 100 * r.Direct / max(r.Pairs, 1); pct < tc.minDirect {
				t.Errorf("%d%% direct, want at least %d%%", pct, tc.minDirect)
			}
			if r.Relayed > 0 && r.RelayedBytes <= 0 {
				t.Errorf("%d relayed links, but the routers relayed %d bytes", r.Relayed, r.RelayedBytes)
			}
			if r.Relayed == 0 && r.RelayedBytes != 0 {
				t.Errorf("no relayed links, but the routers relayed %d bytes", r.RelayedBytes)
			}
		})
	}
}
