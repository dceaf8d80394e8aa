package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchPairs(t *testing.T) {
	dir := t.TempDir()
	code, out, errb := runCLI(t, "bench", "pairs", "--pairs", "3", "--content", "text,audio", "--duration", "300ms", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errb)
	}
	for _, want := range []string{"content", "text", "audio", "in-process routers", "pairs.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "pairs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rp struct {
		Results []struct {
			Content string `json:"content"`
			Direct  int    `json:"direct"`
			Failed  int    `json:"failed"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &rp); err != nil {
		t.Fatal(err)
	}
	if len(rp.Results) != 2 || rp.Results[0].Direct != 3 || rp.Results[1].Failed != 0 {
		t.Errorf("results %+v", rp.Results)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "pairs.csv")); err != nil || strings.Count(string(b), "\n") != 3 {
		t.Errorf("csv %q, %v", b, err)
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "triples"},
		{"bench", "pairs", "--content", "smell"},
		{"bench", "pairs", "--pairs", "0"},
		{"bench", "pairs", "--router-a", "127.0.0.1:1"},
		{"bench", "pairs", "--role", "dial"},
		{"bench", "pairs", "--role", "sing", "--router", "127.0.0.1:1"},
		{"bench", "pairs", "--hosts-a", "10.0.0.9-10.0.0.1"},
	} {
		if code, _, errb := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, code, errb)
		}
	}
	if code, out, _ := runCLI(t, "bench", "pairs", "--help"); code != 0 || !strings.Contains(out, "--role") {
		t.Errorf("help: exit %d: %s", code, out)
	}
}
