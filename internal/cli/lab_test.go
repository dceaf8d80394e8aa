package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLabDistribution(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "lab", "distribution", "--peers", "2", "--size", "1MiB", "--up", "512K", "--seed-up", "1M", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, want := range []string{"   2  cs ", "   2  p2p ", "distribution.svg"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, name := range []string{"distribution.csv", "distribution-peers.csv", "distribution.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestLabUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"lab"},
		{"lab", "nosuch"},
		{"lab", "distribution", "--peers", "two"},
		{"lab", "distribution", "--modes", "mesh"},
		{"lab", "distribution", "--up-list", "1K,0"},
		{"demo", "extra"},
	} {
		if code, _, errs := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, errs)
		}
	}
}

func TestDemoPlain(t *testing.T) {
	code, out, errs := runCLI(t, "demo", "--peers", "3", "--size", "2MiB", "--up", "1M", "--seed-up", "2M")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, want := range []string{"shoal demo:", "3/3 done", "All 3 peers have the verified file", "Finished: A "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
