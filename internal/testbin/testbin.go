package testbin

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

var (
	once sync.Once
	dir  string
	path string
	err  error
)

// Shoal returns the path of the shoal binary, building ./cmd/shoal of the
// enclosing module on first use (or taking $SHOAL_BIN). It fails t if the
// build fails. Call Cleanup from TestMain once the tests have run.
func Shoal(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if p := os.Getenv("SHOAL_BIN"); p != "" {
			path, err = filepath.Abs(p)
			return
		}
		dir, err = os.MkdirTemp("", "shoal-testbin-")
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		path, err = Build(ctx, dir, Race())
	})
	if err != nil {
		t.Fatalf("building shoal: %v", err)
	}
	return path
}

// Cleanup removes the binary Shoal built, if any.
func Cleanup() {
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
}

// Race reports whether the binary is built with the race detector: like the
// test binary, unless SHOAL_TEST_RACE says otherwise.
func Race() bool {
	switch os.Getenv("SHOAL_TEST_RACE") {
	case "1", "true":
		return true
	case "0", "false":
		return false
	}
	return raceBuild
}

// Build builds ./cmd/shoal of the enclosing module into dir and returns the
// binary's path; race adds -race.
func Build(ctx context.Context, dir string, race bool) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("testbin: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("testbin: not inside a Go module")
	}
	bin := filepath.Join(dir, "shoal")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/shoal")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("testbin: go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return bin, nil
}
