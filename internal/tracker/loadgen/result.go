package loadgen

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Result is what a run measured.
type Result struct {
	Target  string
	Mode    Mode
	Workers int

	Announces   int64 // answered with a peer list
	Peers       int64 // peers listed in those answers
	Failures    int64 // refused by the tracker or answered with a malformed reply
	Timeouts    int64 // not answered within the timeout
	Errors      int64 // failed on the network
	Connections int64 // HTTP connections opened, or UDP connects made

	Elapsed time.Duration
	Latency Histogram // of the announces that were answered

	// FirstError describes the first request that did not succeed.
	FirstError string
}

// PerSecond returns the answered announces per second.
func (r *Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Announces) / r.Elapsed.Seconds()
}

// String returns the result as one line of key=value pairs; durations are
// in microseconds.
func (r *Result) String() string {
	var b strings.Builder
	us := func(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/float64(time.Microsecond)) }
	peersPer := 0.0
	if r.Announces > 0 {
		peersPer = float64(r.Peers) / float64(r.Announces)
	}
	fmt.Fprintf(&b, "target=%s mode=%s workers=%d announces=%d secs=%.3f per_sec=%.0f", r.Target, r.Mode, r.Workers, r.Announces, r.Elapsed.Seconds(), r.PerSecond())
	fmt.Fprintf(&b, " p50_us=%s p90_us=%s p99_us=%s p999_us=%s max_us=%s mean_us=%s",
		us(r.Latency.Quantile(0.50)), us(r.Latency.Quantile(0.90)), us(r.Latency.Quantile(0.99)),
		us(r.Latency.Quantile(0.999)), us(r.Latency.Max()), us(r.Latency.Mean()))
	fmt.Fprintf(&b, " peers_per_reply=%.1f failures=%d timeouts=%d errors=%d connections=%d", peersPer, r.Failures, r.Timeouts, r.Errors, r.Connections)
	return b.String()
}

// add records the outcome of one announce.
func (r *Result) add(peers int, took time.Duration, err error) {
	switch {
	case err == nil:
		r.Announces++
		r.Peers += int64(peers)
		r.Latency.Record(took)
		return
	case errors.Is(err, os.ErrDeadlineExceeded):
		r.Timeouts++
	case isFailure(err):
		r.Failures++
	default:
		r.Errors++
	}
	if r.FirstError == "" {
		r.FirstError = err.Error()
	}
}

func isFailure(err error) bool {
	var te *TrackerError
	return errors.As(err, &te) || errors.Is(err, errBencode) || errors.Is(err, errNoPeers) ||
		errors.Is(err, errUDPReply) || errors.Is(err, errHTTPSyntax) || errors.Is(err, errHTTPStatus)
}

func (r *Result) merge(o *Result) {
	r.Announces += o.Announces
	r.Peers += o.Peers
	r.Failures += o.Failures
	r.Timeouts += o.Timeouts
	r.Errors += o.Errors
	r.Connections += o.Connections
	r.Latency.Merge(&o.Latency)
	if r.FirstError == "" {
		r.FirstError = o.FirstError
	}
}
