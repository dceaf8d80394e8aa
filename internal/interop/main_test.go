package interop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// binDir holds the shoal binary built for this test run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shoal-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// shoalRace reports whether the shoal binary is built with the race detector:
// like the test binary, unless SHOAL_INTEROP_RACE says otherwise.
func shoalRace() bool {
	switch os.Getenv("SHOAL_INTEROP_RACE") {
	case "1", "true":
		return true
	case "0", "false":
		return false
	}
	return raceBuild
}

// shoalBin returns the path of the shoal binary, building ./cmd/shoal from the
// module root on first use (or taking $SHOAL_BIN).
func shoalBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv("SHOAL_BIN"); p != "" {
			buildPath, buildErr = filepath.Abs(p)
			return
		}
		buildPath, buildErr = buildShoal()
	})
	if buildErr != nil {
		t.Fatalf("building shoal: %v", buildErr)
	}
	return buildPath
}

func buildShoal() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module")
	}
	bin := filepath.Join(binDir, "shoal")
	args := []string{"build", "-o", bin}
	if shoalRace() {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/shoal")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return bin, nil
}
