package picker_test

import (
	"fmt"
	"math/rand/v2"

	"shoal/internal/picker"
)

func Example() {
	// Two pieces of 32 KiB (two blocks each), one seed.
	pk := picker.New(2, 32<<10, 64<<10, rand.New(rand.NewPCG(1, 1)))
	seed := picker.Peer(1)
	pk.PeerHaveAll(seed)

	for !pk.Complete() {
		for _, b := range pk.Pick(seed, 3, nil) {
			fresh, _, done := pk.Received(seed, b)
			fmt.Printf("block %d+%d fresh=%v done=%v\n", b.Begin, b.Length, fresh, done)
			if done {
				pk.Verified(b.Piece)
			}
		}
	}
	fmt.Println("left", pk.Left())
	// Output:
	// block 0+16384 fresh=true done=false
	// block 16384+16384 fresh=true done=true
	// block 0+16384 fresh=true done=false
	// block 16384+16384 fresh=true done=true
	// left 0
}
