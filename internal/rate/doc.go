// Package rate measures transfer rates over a sliding window.
//
// A Meter counts bytes in fixed-width time buckets (one second each for the
// default 20 second window) and reports the average rate over the most recent
// window. The choker of BEP 3 ranks peers by these rates. Time is an explicit
// argument, so a Meter never reads the clock itself.
package rate
