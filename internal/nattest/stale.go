package nattest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// removeNamespaces kills every process inside the namespaces (never this
// one) and deletes them.
func removeNamespaces(names []string) error {
	var errs []error
	var b strings.Builder
	for _, ns := range names {
		if _, err := os.Stat(netnsDir + "/" + ns); err != nil {
			continue
		}
		errs = append(errs, killInside(ns))
		fmt.Fprintf(&b, "netns del %s\n", ns)
	}
	if b.Len() > 0 {
		errs = append(errs, ipBatch("", b.String()))
	}
	return errors.Join(errs...)
}

// killInside sends SIGKILL to every process in namespace ns, by process id.
func killInside(ns string) error {
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		return fmt.Errorf("nattest: ip netns pids %s: %w", ns, err)
	}
	for _, f := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 1 || pid == os.Getpid() {
			continue
		}
		if err := unix.Kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("nattest: kill %d in %s: %w", pid, ns, err)
		}
	}
	return nil
}

var staleOnce sync.Once

// removeStaleOnce deletes, once per process, the namespaces of this package
// whose creating process has died (left behind by a killed test run).
func removeStaleOnce() {
	staleOnce.Do(func() {
		_ = removeStale() // best effort: a failure here shows up as a clash later
	})
}

// removeStale deletes the namespaces of this package whose creating process
// has died.
func removeStale() error {
	entries, err := os.ReadDir(netnsDir)
	if err != nil {
		return nil // no namespaces at all
	}
	var stale []string
	for _, e := range entries {
		if pid, ok := ownerPID(e.Name()); ok && !alive(pid) {
			stale = append(stale, e.Name())
		}
	}
	return removeNamespaces(stale)
}

// ownerPID parses the process id out of a namespace name made by Up.
func ownerPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, namePrefix)
	if !ok {
		return 0, false
	}
	s, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(s)
	return pid, err == nil && pid > 0
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	return pid == os.Getpid() || !errors.Is(unix.Kill(pid, 0), unix.ESRCH)
}
