package router

import (
	"testing"

	"shoal/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m, "rendezvous/router.")
}
