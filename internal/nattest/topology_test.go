package nattest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// dropWait is how long a dial must hang before a drop counts as a drop.
const dropWait = 1500 * time.Millisecond

// readHello dials addr from namespace ns and returns the helper's greeting.
func readHello(ctx context.Context, tp *Topology, ns, addr string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := tp.Dial(ctx, ns, &net.Dialer{}, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

// TestUnsolicitedInboundDropped checks that a NAT passes connections opened
// from its LAN, masquerades them behind its public address, and silently
// drops connections opened from the internet unless a port is forwarded.
func TestUnsolicitedInboundDropped(t *testing.T) {
	tp := Up(t, Config{Mode: PortRestricted, HostsPerCluster: 2})
	ctx := t.Context()
	cl := tp.Clusters[0]
	host := netip.AddrPortFrom(cl.Hosts[1], 9000)
	startListener(t, tp, cl.LAN, host.String())

	// On the LAN the host is reachable, from the NAT too.
	for _, ns := range []string{cl.LAN, cl.NAT} {
		if hello, err := readHello(ctx, tp, ns, host.String()); err != nil || hello == "" {
			t.Fatalf("dial %s from %s: %q, %v", host, ns, hello, err)
		}
	}

	// Outbound connections leave with the NAT's public address.
	ln, err := tp.Listen(ctx, tp.Inet, &net.ListenConfig{}, "tcp", netip.AddrPortFrom(tp.Routers[0], 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := tp.Dial(ctx, cl.LAN, &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: cl.Hosts[1].AsSlice()}}, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("outbound dial: %v", err)
	}
	c.Close()
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	in, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	in.Close()
	if got := netip.MustParseAddrPort(in.RemoteAddr().String()).Addr(); got != cl.Public {
		t.Errorf("outbound connection seen from %s, want the NAT's public address %s", got, cl.Public)
	}

	// From the internet, the NAT's public address hides the host: the SYN is
	// dropped, so the dial hangs instead of being refused. The LAN's own
	// addresses are not routed at all.
	public := netip.AddrPortFrom(cl.Public, host.Port()).String()
	dctx, cancel := context.WithTimeout(ctx, dropWait)
	start := time.Now()
	c, err = tp.Dial(dctx, tp.Inet, &net.Dialer{}, "tcp", public)
	cancel()
	if err == nil {
		c.Close()
		t.Fatalf("unsolicited dial to %s succeeded", public)
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("unsolicited dial to %s: %v after %v, want a timeout (a silent drop)", public, err, time.Since(start))
	}
	if _, err := readHello(ctx, tp, tp.Inet, host.String()); err == nil {
		t.Errorf("dial to private %s from the internet succeeded", host)
	}

	// A static forward opens the port.
	if err := tp.Forward(0, "tcp", host.Port(), host); err != nil {
		t.Fatal(err)
	}
	hello, err := readHello(ctx, tp, tp.Inet, public)
	if err != nil {
		t.Fatalf("dial %s through the forward: %v", public, err)
	}
	if want := "hello " + inetPublic.String() + ":"; !strings.HasPrefix(hello, want) {
		t.Errorf("forwarded greeting %q, want prefix %q", hello, want)
	}
}

// TestMapping checks each NAT's mapping behaviour: one host dials both
// router addresses from the same port; a cone NAT keeps the port (and so
// shows both the same mapping), a symmetric one gives each a new port.
func TestMapping(t *testing.T) {
	for _, mode := range []Mode{PortRestricted, OneSymmetric, BothSymmetric} {
		t.Run(mode.String(), func(t *testing.T) {
			tp := Up(t, Config{Mode: mode})
			ctx := t.Context()
			var lns [2]net.Listener
			for i, r := range tp.Routers {
				ln, err := tp.Listen(ctx, tp.Inet, &net.ListenConfig{}, "tcp", netip.AddrPortFrom(r, 7000).String())
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				lns[i] = ln
			}
			for c, cl := range tp.Clusters {
				const port = 40000
				var seen [2]netip.AddrPort
				for i, ln := range lns {
					d := &net.Dialer{Timeout: 5 * time.Second, Control: reuseControl,
						LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(cl.Hosts[0], port))}
					out, err := tp.Dial(ctx, cl.LAN, d, "tcp", ln.Addr().String())
					if err != nil {
						t.Fatalf("cluster %d: dial %s: %v", c, ln.Addr(), err)
					}
					defer out.Close()
					_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
					in, err := ln.Accept()
					if err != nil {
						t.Fatal(err)
					}
					defer in.Close()
					seen[i] = netip.MustParseAddrPort(in.RemoteAddr().String())
					if seen[i].Addr() != cl.Public {
						t.Errorf("cluster %d: router %d saw %s, want address %s", c, i, seen[i], cl.Public)
					}
				}
				preserved := seen[0].Port() == port && seen[1].Port() == port
				t.Logf("cluster %d (symmetric %v): local port %d seen as %s and %s", c, cl.Symmetric, port, seen[0], seen[1])
				if cl.Symmetric && seen[0].Port() == seen[1].Port() {
					t.Errorf("cluster %d: symmetric NAT gave both routers port %d", c, seen[0].Port())
				}
				if !cl.Symmetric && !preserved {
					t.Errorf("cluster %d: cone NAT mapped port %d to %d and %d, want it kept", c, port, seen[0].Port(), seen[1].Port())
				}
			}
		})
	}
}

// TestTeardown checks that a topology's namespaces, and the processes in
// them, are gone after its test, and that stale namespaces of dead test
// processes are recognised.
func TestTeardown(t *testing.T) {
	var tp *Topology
	t.Run("up", func(t *testing.T) {
		tp = Up(t, Config{})
		startListener(t, tp, tp.Clusters[1].LAN, netip.AddrPortFrom(tp.Clusters[1].Hosts[0], 9000).String())
	})
	if tp == nil {
		t.Skip("no topology")
	}
	for _, ns := range tp.namespaces() {
		if _, err := os.Stat(netnsDir + "/" + ns); err == nil {
			t.Errorf("namespace %s still exists", ns)
		}
	}
	for _, tc := range []struct {
		name string
		pid  int
		ok   bool
	}{
		{namePrefix + "123-00ff-inet", 123, true},
		{namePrefix + "x-00ff-inet", 0, false},
		{namePrefix + "123", 0, false},
		{"other-123-00ff-inet", 0, false},
	} {
		pid, ok := ownerPID(tc.name)
		if pid != tc.pid || ok != tc.ok {
			t.Errorf("ownerPID(%q) = %d, %v, want %d, %v", tc.name, pid, ok, tc.pid, tc.ok)
		}
	}
	if !alive(os.Getpid()) {
		t.Error("this process is not alive")
	}

	// A namespace of a dead process goes, one of a live process stays.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := fmt.Sprintf("%s%d-beef-inet", namePrefix, dead.Process.Pid)
	live := fmt.Sprintf("%s%d-beef-inet", namePrefix, os.Getpid())
	for _, ns := range []string{stale, live} {
		if err := ipBatch("", "netns add "+ns+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = removeNamespaces([]string{stale, live}) })
	if err := removeStale(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(netnsDir + "/" + stale); err == nil {
		t.Errorf("stale namespace %s not removed", stale)
	}
	if _, err := os.Stat(netnsDir + "/" + live); err != nil {
		t.Errorf("live namespace %s removed: %v", live, err)
	}
}

// TestShoalInNamespace runs the shoal binary inside a LAN namespace, the way
// the router tests start shoal router, listen and msg.
func TestShoalInNamespace(t *testing.T) {
	tp := Up(t, Config{})
	bin := shoalBin(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := tp.CommandContext(ctx, tp.Clusters[0].LAN, bin, "version").CombinedOutput()
	if err != nil || len(out) == 0 {
		t.Fatalf("shoal version in %s: %v: %s", tp.Clusters[0].LAN, err, out)
	}
	t.Logf("shoal version: %s", strings.TrimSpace(string(out)))
}
