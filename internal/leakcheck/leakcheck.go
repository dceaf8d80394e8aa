// Package leakcheck fails a test binary whose tests leave goroutines
// running: TestMain calls Main with substrings that name the package's own
// goroutines (function names in their stacks).
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Wait is how long Main gives goroutines to finish after the tests.
const Wait = 5 * time.Second

// Main runs the tests, then, if they passed, waits up to Wait for every
// goroutine whose stack contains one of match to end; it exits non-zero
// with the stacks of those still running.
func Main(m *testing.M, match ...string) {
	code := m.Run()
	if code == 0 {
		if leaked := Leaked(Wait, match...); leaked != "" {
			fmt.Fprintf(os.Stderr, "leaked goroutines:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// Leaked waits up to wait for the goroutines matching match to end and
// returns the stacks of those still running, or "".
func Leaked(wait time.Duration, match ...string) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		stacks := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")
		var leaked []string
		for _, g := range stacks[1:] { // the first is this goroutine
			for _, s := range match {
				if strings.Contains(g, s) {
					leaked = append(leaked, g)
					break
				}
			}
		}
		if len(leaked) == 0 || time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
