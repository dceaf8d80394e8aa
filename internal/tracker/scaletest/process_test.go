package scaletest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"shoal/internal/redistest"
	"shoal/internal/testbin"
	"shoal/internal/tracker/client"
)

// shoalBin returns the path of the shoal binary, built once per run.
func shoalBin(t *testing.T) string {
	t.Helper()
	return testbin.Shoal(t)
}

// TestMain removes the binary built for the run and fails the run if a
// tracker or store goroutine outlives the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	if code == 0 {
		if leaked := waitForLeaks(); leaked != "" {
			fmt.Fprintf(os.Stderr, "leaked goroutines:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

func waitForLeaks() string {
	var leaked string
	for range 100 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		leaked = ""
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if strings.Contains(g, "tracker/server.(*Server)") || strings.Contains(g, "tracker/store.(*Redis)") ||
				strings.Contains(g, "redis/go-redis") {
				leaked += g + "\n\n"
			}
		}
		if leaked == "" {
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
	return leaked
}

// trackerProc is a shoal tracker process.
type trackerProc struct {
	tracker
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader. The buffer is
// not embedded: io.Copy would use its ReadFrom, bypassing the lock.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far, also while the writer runs.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startTracker runs shoal tracker on ephemeral loopback ports with the
// given store and waits for it to print its announce URLs.
func startTracker(t *testing.T, name, storeURL string) *trackerProc {
	t.Helper()
	return runTracker(t, name, "--http", "127.0.0.1:0", "--udp", "127.0.0.1:0", "--store", storeURL)
}

// runTracker runs shoal tracker with args, which must give it an HTTP and a
// UDP address, and waits for it to print its announce URLs.
func runTracker(t *testing.T, name string, args ...string) *trackerProc {
	t.Helper()
	cmd := exec.Command(shoalBin(t), append([]string{"tracker"}, args...)...)
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := new(syncBuffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &trackerProc{tracker: tracker{name: name}, cmd: cmd, stderr: stderr, exited: make(chan struct{})}
	urls := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "tracker: "); ok {
				urls <- u
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, stderr.String())
		}
	})
	timeout := time.After(30 * time.Second)
	for p.http == "" || p.udp == "" {
		select {
		case u := <-urls:
			if strings.HasPrefix(u, "udp://") {
				p.udp = u
			} else {
				p.http = u
			}
		case <-p.exited:
			t.Fatalf("%s exited: %s", name, stderr.String())
		case <-timeout:
			t.Fatalf("%s printed no announce URLs: %s", name, stderr.String())
		}
	}
	return p
}

func (p *trackerProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// stop ends the process with SIGTERM and reports how it exited.
func (p *trackerProc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			return fmt.Errorf("%s exited with %d", p.name, code)
		}
		return nil
	case <-time.After(15 * time.Second):
		p.kill()
		return fmt.Errorf("%s did not exit on SIGTERM", p.name)
	}
}

// TestProcessesShareRedis runs shoal tracker processes on one Redis
// database: each returns the peers that announced to the other, scrapes
// agree, and a tracker started later (after another was killed) serves the
// same swarm.
func TestProcessesShareRedis(t *testing.T) {
	srv := redistest.Start(t)
	url := srv.URL(3)
	p1 := startTracker(t, "tracker 1", url)
	p2 := startTracker(t, "tracker 2", url)
	a := newAnnouncer(t, infoHash(2))
	shareOneView(t, a, p1.tracker, p2.tracker)

	// kill -9 tracker 1; a new tracker 3 loads the swarm from Redis.
	p1.kill()
	p3 := startTracker(t, "tracker 3", url)
	want := client.ScrapeResult{Complete: 1, Incomplete: 1, Downloaded: 1}
	a.scrapes([]tracker{p2.tracker, p3.tracker}, want)
	a.sees(p3.tracker, p3.http, 4, 10, 1, 3)
	a.scrapes([]tracker{p2.tracker, p3.tracker}, client.ScrapeResult{Complete: 1, Incomplete: 2, Downloaded: 1})

	for _, p := range []*trackerProc{p2, p3} {
		if err := p.stop(); err != nil {
			t.Error(err)
		}
	}
}
