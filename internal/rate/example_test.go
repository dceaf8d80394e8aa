package rate_test

import (
	"fmt"
	"time"

	"shoal/internal/rate"
)

func ExampleMeter() {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	m := rate.NewMeter(10 * time.Second)
	for ms := 0; ms < 20_000; ms += 100 {
		m.Add(start.Add(time.Duration(ms)*time.Millisecond), 16384)
	}
	now := start.Add(20 * time.Second)
	fmt.Printf("%.0f B/s, %d bytes in all\n", m.Rate(now), m.Total())
	// Output:
	// 163840 B/s, 3276800 bytes in all
}
