package pairbench

import (
	"testing"

	"shoal/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m, "rendezvous/pairbench.", "rendezvous/node.", "rendezvous/router.", "rendezvous/service.")
}
