package interop

import (
	"os"
	"testing"

	"shoal/internal/testbin"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// shoalBin returns the path of the shoal binary, built once per run.
func shoalBin(t *testing.T) string {
	t.Helper()
	return testbin.Shoal(t)
}
