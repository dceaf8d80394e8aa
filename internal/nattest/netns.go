package nattest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// netnsDir is where ip netns keeps its named namespaces.
const netnsDir = "/var/run/netns"

// Do runs fn on an OS thread that has entered namespace ns and waits for it.
// Sockets fn creates stay in ns for their whole life, so fn can create
// listeners and dial connections that the rest of the test then uses from
// any goroutine. fn must not start goroutines that expect to be in ns.
// fn may block (a dial, say); it holds one OS thread meanwhile.
func (tp *Topology) Do(ns string, fn func() error) error {
	target, err := os.Open(filepath.Join(netnsDir, ns))
	if err != nil {
		return fmt.Errorf("nattest: namespace %s: %w", ns, err)
	}
	defer target.Close()
	done := make(chan error, 1)
	go func() {
		// The thread stays locked (and the runtime ends it with this
		// goroutine) unless it is back in its own namespace.
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			done <- fmt.Errorf("nattest: own namespace: %w", err)
			return
		}
		defer self.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("nattest: enter namespace %s: %w", ns, err)
			runtime.UnlockOSThread()
			return
		}
		err = fn()
		if unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		done <- err
	}()
	return <-done
}

// Listen is net.ListenConfig.Listen inside namespace ns.
func (tp *Topology) Listen(ctx context.Context, ns string, lc *net.ListenConfig, network, addr string) (net.Listener, error) {
	var ln net.Listener
	err := tp.Do(ns, func() error {
		var err error
		ln, err = lc.Listen(ctx, network, addr)
		return err
	})
	return ln, err
}

// Dial is net.Dialer.DialContext inside namespace ns. addr must be a
// numeric address (a name would be resolved outside the namespace's
// thread).
func (tp *Topology) Dial(ctx context.Context, ns string, d *net.Dialer, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := tp.Do(ns, func() error {
		var err error
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	return c, err
}
