package interop

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// transferTimeout bounds one transfer, from the downloader's start to its end
	// (the slowest, Transmission, needs about 15 s; everything else a few).
	transferTimeout = 60 * time.Second
	// readyTimeout bounds the start of a seeder or tracker.
	readyTimeout = 60 * time.Second
	// stopGrace is how long a process gets after SIGTERM before SIGKILL.
	stopGrace = 5 * time.Second
	// tailLines is how many lines of each log a failure message shows
	// (SHOAL_INTEROP_TAIL overrides it).
	tailLines = 25
)

// logLines is the number of trailing log lines shown per process.
func logLines() int {
	if n, err := strconv.Atoi(os.Getenv("SHOAL_INTEROP_TAIL")); err == nil && n > 0 {
		return n
	}
	return tailLines
}

// harness owns the processes, directories and addresses of one test.
type harness struct {
	t     *testing.T
	dir   string
	mu    sync.Mutex
	procs []*proc
	addrs []string // lo aliases to remove at the end
	diags []func() string
}

// newHarness prepares a test: a private directory, and a cleanup that stops
// every process started through the harness (process groups, SIGTERM then
// SIGKILL) before the directory is removed.
func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir()}
	t.Cleanup(h.cleanup)
	return h
}

// path returns a path inside the test directory, creating its parent.
func (h *harness) path(elem ...string) string {
	p := filepath.Join(append([]string{h.dir}, elem...)...)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// mkdir creates a directory inside the test directory.
func (h *harness) mkdir(elem ...string) string {
	p := filepath.Join(append([]string{h.dir}, elem...)...)
	if err := os.MkdirAll(p, 0o755); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// proc is one started process (the leader of its own process group).
type proc struct {
	name    string
	argv    []string
	logPath string
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{}
	err     error // valid after done is closed

	mu     sync.Mutex // held while signalling and while reaping
	reaped bool
}

// start runs argv in dir (cwd) with stdout and stderr going to NAME.log.
func (h *harness) start(name, dir string, env []string, argv ...string) *proc {
	h.t.Helper()
	logPath := h.path("logs", name+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		h.t.Fatal(err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "$ %s\n", strings.Join(argv, " "))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{name: name, argv: argv, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		h.fatalf("start %s: %v", name, err)
	}
	p.started = time.Now()
	h.mu.Lock()
	h.procs = append(h.procs, p)
	h.mu.Unlock()
	go p.reap()
	return p
}

// reap waits for the leader to exit without reaping it first, so that its PID,
// and with it the process group ID, cannot be reused while stragglers left in
// the group are killed. Signals are only ever sent to a group whose leader has
// not been reaped.
func (p *proc) reap() {
	pid := p.cmd.Process.Pid
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			break
		}
	}
	p.mu.Lock()
	_ = syscall.Kill(-pid, syscall.SIGKILL) // stragglers in the group, if any
	p.err = p.cmd.Wait()
	p.reaped = true
	p.mu.Unlock()
	close(p.done)
}

// signal sends sig to the process group while its leader is not reaped.
func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.reaped {
		_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	}
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// status describes how the process ended.
func (p *proc) status() string {
	if !p.exited() {
		return "running"
	}
	if p.err == nil {
		return "exit status 0"
	}
	return p.err.Error()
}

// log returns the whole log with carriage returns turned into newlines.
func (p *proc) log() string {
	b, _ := os.ReadFile(p.logPath)
	return strings.ReplaceAll(string(b), "\r", "\n")
}

// tail returns the first few and the last n non-empty lines of the log.
func (p *proc) tail(n int) string {
	var lines []string
	for _, l := range strings.Split(p.log(), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	const head = 8
	if len(lines) > head+n {
		skipped := fmt.Sprintf("... (%d lines left out)", len(lines)-head-n)
		lines = append(append(lines[:head:head], skipped), lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// stop ends the process group: SIGTERM, then SIGKILL after the grace period.
func (p *proc) stop(grace time.Duration) {
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.signal(syscall.SIGKILL)
		<-p.done
	}
}

// kill sends SIGKILL to the whole process group and waits for the leader.
func (p *proc) kill() {
	p.signal(syscall.SIGKILL)
	<-p.done
}

// addDiag registers a function whose output is added to failure reports.
func (h *harness) addDiag(f func() string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.diags = append(h.diags, f)
}

// report renders the state and log tail of every process.
func (h *harness) report() string {
	h.mu.Lock()
	procs := append([]*proc(nil), h.procs...)
	diags := append([]func() string(nil), h.diags...)
	h.mu.Unlock()
	var b strings.Builder
	for _, f := range diags {
		if s := f(); s != "" {
			fmt.Fprintf(&b, "\n%s\n", s)
		}
	}
	for _, p := range procs {
		fmt.Fprintf(&b, "\n--- %s (%s, started %.1fs ago): %s\n%s\n", p.name, p.status(),
			time.Since(p.started).Seconds(), strings.Join(p.argv, " "), p.tail(logLines()))
	}
	return b.String()
}

// fatalf fails the test with the message followed by every process's log tail.
func (h *harness) fatalf(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s\n%s", fmt.Sprintf(format, args...), h.report())
}

func (h *harness) cleanup() {
	if os.Getenv("SHOAL_INTEROP_LOGS") != "" {
		h.t.Logf("logs of %s:\n%s", h.t.Name(), h.report())
	}
	h.mu.Lock()
	procs := append([]*proc(nil), h.procs...)
	addrs := h.addrs
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.stop(stopGrace)
		}()
	}
	wg.Wait()
	for _, p := range procs {
		if i := strings.Index(p.log(), "WARNING: DATA RACE"); i >= 0 {
			h.t.Errorf("%s reported a data race:\n%s", p.name, firstLines(p.log()[i:], 80))
		}
	}
	for _, a := range addrs {
		if out, err := exec.Command("ip", "addr", "del", a+"/32", "dev", "lo").CombinedOutput(); err != nil {
			h.t.Logf("removing %s from lo: %v: %s", a, err, out)
		}
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls cond every 50 ms until it holds. It fails the test when the
// timeout passes or when one of the watched processes (which must stay up)
// exits first.
func (h *harness) waitFor(what string, timeout time.Duration, cond func() bool, watch ...*proc) {
	h.t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	if d, ok := h.t.Deadline(); ok && d.Add(-20*time.Second).Before(deadline) {
		// Fail with a report rather than be cut short by go test's -timeout.
		deadline = d.Add(-20 * time.Second)
	}
	for !cond() {
		for _, p := range watch {
			if p.exited() && !cond() {
				h.fatalf("%s: %s exited (%s) while waiting for %s", h.t.Name(), p.name, p.status(), what)
			}
		}
		if time.Now().After(deadline) {
			h.fatalf("%s: timed out after %s waiting for %s", h.t.Name(), time.Since(start).Round(time.Second), what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitExit waits for p to end with status 0 within timeout; the other watched
// processes must stay up meanwhile.
func (h *harness) waitExit(p *proc, timeout time.Duration, watch ...*proc) time.Duration {
	h.t.Helper()
	h.waitFor(p.name+" to finish", timeout, p.exited, watch...)
	if p.err != nil {
		h.fatalf("%s: %s failed: %s", h.t.Name(), p.name, p.status())
	}
	return time.Since(p.started)
}

// waitListening waits until something accepts TCP connections on addr.
func (h *harness) waitListening(addr string, p *proc) {
	h.t.Helper()
	h.waitFor(p.name+" to listen on "+addr, readyTimeout, func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}, p)
}

var (
	portMu   sync.Mutex
	portUsed = map[int]bool{}
)

// freePort returns a TCP port on ip that is free now (and also free for UDP) and
// has not been handed out before in this test binary.
func (h *harness) freePort(ip string) int {
	h.t.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	for range 100 {
		l, err := net.Listen("tcp4", net.JoinHostPort(ip, "0"))
		if err != nil {
			h.t.Fatalf("free port on %s: %v", ip, err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if portUsed[port] {
			continue
		}
		u, err := net.ListenPacket("udp4", net.JoinHostPort(ip, fmt.Sprint(port)))
		if err != nil {
			continue
		}
		u.Close()
		portUsed[port] = true
		return port
	}
	h.t.Fatalf("no free port on %s", ip)
	return 0
}

func hostPort(ip string, port int) string { return net.JoinHostPort(ip, fmt.Sprint(port)) }

// onCI reports whether missing clients are failures rather than skips.
func onCI() bool { return os.Getenv("CI") == "true" }

// missing skips the test, or fails it under CI=true.
func missing(t *testing.T, what, hint string) {
	t.Helper()
	if onCI() {
		t.Fatalf("%s is not available (CI=true makes this a failure); install with: %s", what, hint)
	}
	t.Skipf("%s is not available; install with: %s", what, hint)
}

var toolCache sync.Map // name -> error

// requireTool checks that a program (and for "libtorrent" the Python module)
// is installed.
func requireTool(t *testing.T, name string) {
	t.Helper()
	hints := map[string]string{
		"libtorrent":          "apt-get install -y python3-libtorrent",
		"transmission-daemon": "apt-get install -y transmission-daemon transmission-cli",
		"transmission-remote": "apt-get install -y transmission-cli",
		"aria2c":              "apt-get install -y aria2",
		"mktorrent":           "apt-get install -y mktorrent",
		"opentracker":         "apt-get install -y opentracker",
		"ip":                  "apt-get install -y iproute2",
	}
	v, ok := toolCache.Load(name)
	if !ok {
		var err error
		if name == "libtorrent" {
			var out []byte
			out, err = exec.Command(pythonPath, "-c", "import libtorrent").CombinedOutput()
			if err != nil {
				err = fmt.Errorf("%s -c 'import libtorrent': %w: %s", pythonPath, err, bytes.TrimSpace(out))
			}
		} else {
			_, err = exec.LookPath(name)
		}
		v, _ = toolCache.LoadOrStore(name, err)
	}
	if err, _ := v.(error); err != nil {
		missing(t, name+" ("+err.Error()+")", hints[name])
	}
}

// errNotFound is returned by helpers that look for something in a log.
var errNotFound = errors.New("interop: not found")
