package nattest

import (
	"fmt"
	"os"
	"testing"

	"shoal/internal/leakcheck"
	"shoal/internal/testbin"
)

// helperEnv makes the test binary act as a helper program (see helperMain)
// instead of running the tests; the tests start it inside a namespace.
const helperEnv = "SHOAL_NATTEST_HELPER"

func TestMain(m *testing.M) {
	if role := os.Getenv(helperEnv); role != "" {
		os.Exit(helperMain(role))
	}
	code := m.Run()
	if code == 0 {
		if leaked := leakcheck.Leaked(leakcheck.Wait, "shoal/internal/nattest"); leaked != "" {
			fmt.Fprintf(os.Stderr, "leaked goroutines:\n%s\n", leaked)
			code = 1
		}
	}
	testbin.Cleanup()
	os.Exit(code)
}

// shoalBin returns the path of the shoal binary, built once per run.
func shoalBin(t *testing.T) string {
	t.Helper()
	return testbin.Shoal(t)
}
