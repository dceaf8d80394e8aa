package cli

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"shoal/internal/ringlab"
)

// TestMain lets the ring lab run this test binary as the shoal command:
// the processes it starts carry ringChildEnv.
func TestMain(m *testing.M) {
	if os.Getenv(ringChildEnv) != "" {
		os.Exit(Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestLabRingProcesses(t *testing.T) {
	const peers = 5
	dir := t.TempDir()
	code, out, errs := runCLI(t, "lab", "ring", "--peers", "5", "--chunk", "100KB", "--size", "1300K",
		"--dir", dir, "--chunk-files", "--timeout", "60s")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if errs != "" {
		t.Errorf("stderr: %s", errs)
	}
	want, err := ringlab.FileSHA256(filepath.Join(dir, "owner", "ring.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range peers {
		pd := ringlab.PeerDir(dir, i)
		got, err := ringlab.FileSHA256(filepath.Join(pd, "ring.bin"))
		if err != nil || got != want {
			t.Errorf("peer %d: sha256 %x, %v; want %x", i, got, err, want)
		}
		sum, err := os.ReadFile(filepath.Join(pd, ringlab.SummaryName))
		if err != nil || !strings.HasPrefix(string(sum), "# peer ") || !strings.Contains(string(sum), "\n12\n") {
			t.Errorf("peer %d: summary %q, %v", i, sum, err)
		}
		if _, err := os.Stat(filepath.Join(pd, ringlab.ChunksDir, "0012")); err != nil {
			t.Errorf("peer %d: %v", i, err)
		}
	}
	// Every kind of event appears. (Which peer sees have messages depends
	// on timing: a neighbour that already has everything sends none.)
	for _, k := range ringlab.ProtocolKinds {
		re := regexp.MustCompile(`(?m)^peer \d+: ` + regexp.QuoteMeta(k.String()) + ` `)
		if !re.MatchString(out) {
			t.Errorf("no %q line of a peer", k)
		}
	}
	for _, want := range []string{
		"owner: sent chunk-list to peer 2 (3/13 chunks)",
		"peer 2: recv chunk 7 from owner (102400 B)",
		"peer 3: recv chunk 7 from peer 2 (102400 B)",
		"peer 2: recv request chunk 2 from peer 3",
		"All 5 peers have the file (13 chunks)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

func TestLabRingNode(t *testing.T) {
	for _, args := range [][]string{
		{"lab", "ring", "--peers", "1"},
		{"lab", "ring", "--chunk", "1"},
		{"lab", "ring", "--peers", "5", "--size", "400K"},
		{"lab", "ring", "owner"},
		{"lab", "ring", "owner", "--file", "x", "--bogus"},
		{"lab", "ring", "peer", "--index", "0"},
		{"lab", "ring", "peer", "--index", "-3", "--listen", "127.0.0.1:0", "--owner", "a", "--down", "b"},
	} {
		if code, _, errs := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, errs)
		}
	}
	if code, out, _ := runCLI(t, "lab", "ring", "--help"); code != 0 || !strings.Contains(out, "shoal lab ring peer") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}
