package interop

import (
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os/exec"
	"sync"
)

// Transmission 3.00 drops peers on 127.0.0.0/8 and keeps one peer per IP, so
// tests with Transmission give every participant its own address from the
// benchmark range 198.18.0.0/15, added to lo as a /32 for the test and removed
// afterwards. The third octet is random per test binary so that two runs on one
// machine do not share addresses.

var (
	loMu     sync.Mutex
	loOctet3 = 16 + mrand.IntN(200)
	loNext   = 10
)

// loAddrs returns n fresh addresses routed on lo. It skips the test (fails
// under CI=true) when they cannot be added, e.g. without root.
func (h *harness) loAddrs(n int) []string {
	h.t.Helper()
	requireTool(h.t, "ip")
	var out []string
	for range n {
		loMu.Lock()
		if loNext > 250 {
			loOctet3++
			loNext = 10
		}
		a := fmt.Sprintf("198.18.%d.%d", loOctet3, loNext)
		loNext++
		loMu.Unlock()
		if !usable(a) {
			b, err := exec.Command("ip", "addr", "add", a+"/32", "dev", "lo").CombinedOutput()
			if err != nil {
				missing(h.t, "a 198.18.x.x address on lo", fmt.Sprintf("root (ip addr add %s/32 dev lo: %v: %s)", a, err, b))
			}
			h.mu.Lock()
			h.addrs = append(h.addrs, a)
			h.mu.Unlock()
		}
		out = append(out, a)
	}
	return out
}

// usable reports whether a can be bound locally already.
func usable(a string) bool {
	l, err := net.Listen("tcp4", net.JoinHostPort(a, "0"))
	if err != nil {
		return false
	}
	l.Close()
	return true
}
