package nattest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// cmdTimeout bounds each ip or iptables invocation.
const cmdTimeout = 30 * time.Second

// Command returns a command that runs name with args inside namespace ns
// (through ip netns exec, which keeps the environment and execs in place, so
// the process id is that of the program). Processes still running in the
// namespace when the test ends are killed.
func (tp *Topology) Command(ns, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// CommandContext is Command with a context that kills the process.
func (tp *Topology) CommandContext(ctx context.Context, ns, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// run runs a setup command with input on stdin.
func run(input string, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(input)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("nattest: %s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// ipBatch runs ip commands, one a line, in namespace ns ("" for the
// namespace of this process).
func ipBatch(ns, cmds string) error {
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	return run(cmds, "ip", args...)
}

// iptablesRestore loads rules (iptables-restore format) in namespace ns.
func iptablesRestore(ns, rules string, flags ...string) error {
	args := append([]string{"netns", "exec", ns, "iptables-restore"}, flags...)
	return run(rules, "ip", args...)
}

// writeSysctl sets a sysctl of the calling thread's network namespace (call
// it inside Do); key is the path under /proc/sys.
func writeSysctl(key, value string) error {
	if err := os.WriteFile(filepath.Join("/proc/sys", key), []byte(value), 0o644); err != nil {
		return fmt.Errorf("nattest: sysctl %s: %w", key, err)
	}
	return nil
}
