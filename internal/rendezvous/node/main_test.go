package node_test

import (
	"testing"

	"shoal/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m, "rendezvous/node.", "rendezvous/router.")
}
