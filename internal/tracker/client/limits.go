package client

import "time"

// Hard limits on what a tracker may make this package hold.
const (
	maxBody             = 4 << 20 // bytes of an HTTP reply
	maxPeers            = 2000    // peers kept from one reply
	maxText             = 1024    // bytes of a failure reason or warning
	maxTrackerID        = 256     // bytes of a tracker id; longer ids are dropped
	maxScrapeHashes     = 74      // info hashes in one UDP scrape (BEP 15)
	maxHTTPScrapeHashes = 64      // info hashes in one HTTP scrape URL
	maxScrapeFiles      = 10000   // entries of an HTTP scrape reply

	maxInterval     = 24 * time.Hour   // longer intervals are capped
	defaultInterval = 30 * time.Minute // when the tracker gives none
)

// seconds converts a tracker's interval to a duration: values of zero or
// less give def, large values are capped at maxInterval.
func seconds(s int64, def time.Duration) time.Duration {
	switch {
	case s <= 0:
		return def
	case s >= int64(maxInterval/time.Second):
		return maxInterval
	default:
		return time.Duration(s) * time.Second
	}
}
