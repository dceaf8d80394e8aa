//go:build !unix

package pairbench

import "time"

// usage is unknown here.
func usage() (time.Duration, int64) { return 0, 0 }
