package nattest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"shoal/internal/leakcheck"
)

// helperEnv makes the test binary act as a helper program (see helperMain)
// instead of running the tests; the tests start it inside a namespace.
const helperEnv = "SHOAL_NATTEST_HELPER"

// binDir holds the shoal binary built for this test run.
var binDir string

func TestMain(m *testing.M) {
	if role := os.Getenv(helperEnv); role != "" {
		os.Exit(helperMain(role))
	}
	dir, err := os.MkdirTemp("", "shoal-nattest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "nattest:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	if code == 0 {
		if leaked := leakcheck.Leaked(leakcheck.Wait, "shoal/internal/nattest"); leaked != "" {
			fmt.Fprintf(os.Stderr, "leaked goroutines:\n%s\n", leaked)
			code = 1
		}
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// shoalRace reports whether the shoal binary is built with the race
// detector: like the test binary, unless SHOAL_NATTEST_RACE says otherwise.
func shoalRace() bool {
	switch os.Getenv("SHOAL_NATTEST_RACE") {
	case "1", "true":
		return true
	case "0", "false":
		return false
	}
	return raceBuild
}

// shoalBin returns the path of the shoal binary, building ./cmd/shoal on
// first use (or taking $SHOAL_BIN).
func shoalBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv("SHOAL_BIN"); p != "" {
			buildPath, buildErr = filepath.Abs(p)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		buildPath, buildErr = BuildShoal(ctx, binDir, shoalRace())
	})
	if buildErr != nil {
		t.Fatalf("building shoal: %v", buildErr)
	}
	return buildPath
}
