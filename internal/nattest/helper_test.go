package nattest

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperLife bounds how long a helper process runs.
const helperLife = 60 * time.Second

// helperMain is the test binary acting as a small program inside a
// namespace. Role "listen" listens on $SHOAL_NATTEST_ADDR, prints
// "ready ADDR", and greets each connection with "hello REMOTE\n". It ends
// when its standard input closes (the test ended or died) or after helperLife.
func helperMain(role string) int {
	if role != "listen" {
		fmt.Fprintf(os.Stderr, "nattest helper: unknown role %q\n", role)
		return 2
	}
	ln, err := net.Listen("tcp", os.Getenv("SHOAL_NATTEST_ADDR"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "nattest helper: %v\n", err)
		return 1
	}
	fmt.Printf("ready %s\n", ln.Addr())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		ln.Close()
	}()
	time.AfterFunc(helperLife, func() { ln.Close() })
	for {
		c, err := ln.Accept()
		if err != nil {
			return 0
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "hello %s\n", c.RemoteAddr())
		c.Close()
	}
}

// startListener runs the helper as a listener on addr inside namespace ns
// and waits until it is ready. It is stopped when the test ends.
func startListener(t *testing.T, tp *Topology, ns, addr string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), helperLife)
	cmd := tp.CommandContext(ctx, ns, exe)
	cmd.Env = append(os.Environ(), helperEnv+"=listen", "SHOAL_NATTEST_ADDR="+addr)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := &firstLine{line: make(chan string, 1)}
	cmd.Stdout = stdout
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start helper in %s: %v", ns, err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil && ctx.Err() == nil {
			t.Errorf("helper in %s: %v: %s", ns, err, stderr.String())
		}
		cancel()
	})
	select {
	case line := <-stdout.line:
		if !strings.HasPrefix(line, "ready ") {
			t.Fatalf("helper in %s: %q: %s", ns, line, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("helper in %s not ready after 10 s: %s", ns, stderr.String())
	}
}

// firstLine is an io.Writer that reports the first line written to it.
type firstLine struct {
	mu   sync.Mutex
	buf  []byte
	done bool
	line chan string
}

func (w *firstLine) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.buf = append(w.buf, p...)
		if i := strings.IndexByte(string(w.buf), '\n'); i >= 0 {
			w.done = true
			w.line <- string(w.buf[:i+1])
		}
	}
	return len(p), nil
}

// lockedBuffer is a strings.Builder safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
