package client

import (
	"testing"

	"shoal/internal/leakcheck"
)

// TestMain fails the run if the tests leave goroutines of this package
// behind.
func TestMain(m *testing.M) {
	leakcheck.Main(m, "tracker/client.", "net/http.")
}
