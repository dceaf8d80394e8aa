package choker_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"shoal/internal/choker"
)

func Example() {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	c := choker.New(choker.Config{Slots: 2})
	peers := []choker.Peer{
		{ID: 1, Interested: true, Choked: true, DownRate: 50_000, ConnectedAt: now},
		{ID: 2, Interested: true, Choked: true, DownRate: 90_000, ConnectedAt: now},
		{ID: 3, Interested: true, Choked: true, DownRate: 70_000, ConnectedAt: now},
		{ID: 4, Interested: false, Choked: true, DownRate: 99_000, ConnectedAt: now},
	}
	unchoke := c.Rechoke(now, peers, false, rand.New(rand.NewPCG(1, 1)))
	opt, _ := c.Optimistic()
	fmt.Println("unchoke", unchoke, "optimistic", opt)
	// Output:
	// unchoke [2 3 1] optimistic 1
}
