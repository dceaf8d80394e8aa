package nattest

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// Mode is the NAT behaviour of the two clusters.
type Mode int

const (
	// PortRestricted puts both clusters behind port-restricted cone NATs
	// (MASQUERADE): mappings are endpoint-independent while the source port
	// is free on the public address, filtering is by remote address and port.
	PortRestricted Mode = iota
	// OneSymmetric makes cluster 0's NAT symmetric (MASQUERADE
	// --random-fully) and leaves cluster 1's port-restricted.
	OneSymmetric
	// BothSymmetric makes both NATs symmetric.
	BothSymmetric
)

// String returns a short name of the mode.
func (m Mode) String() string {
	switch m {
	case PortRestricted:
		return "port-restricted"
	case OneSymmetric:
		return "one-symmetric"
	case BothSymmetric:
		return "both-symmetric"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// symmetric reports whether cluster c's NAT is symmetric in mode m.
func (m Mode) symmetric(c int) bool {
	return m == BothSymmetric || (m == OneSymmetric && c == 0)
}

// MaxHosts is the largest HostsPerCluster (addresses 10.x.0.2 to 10.x.0.251).
const MaxHosts = 250

// Config describes a topology.
type Config struct {
	Mode Mode
	// HostsPerCluster is the number of host addresses on each LAN (default 1).
	// All hosts of a cluster share the cluster's LAN namespace, each with its
	// own address on eth0: a program acting as host i must bind that address.
	HostsPerCluster int
}

// Topology is a running two-cluster network. Its fields are read-only.
type Topology struct {
	Mode Mode
	// Inet is the namespace of the internet bridge; the router addresses
	// live there.
	Inet string
	// Routers are 198.18.0.10 (meant for cluster 0) and 198.18.0.11 (for
	// cluster 1), both in Inet. 198.18.0.1 is also in Inet.
	Routers  [2]netip.Addr
	Clusters [2]Cluster

	tag string // namespace name prefix of this topology
}

// Cluster is one NAT and the LAN behind it.
type Cluster struct {
	// NAT and LAN are namespace names.
	NAT, LAN string
	// Public is the NAT's address on the internet (198.18.0.2 or .3).
	Public netip.Addr
	// Gateway is the NAT's address on the LAN (10.x.0.1).
	Gateway netip.Addr
	// Hosts are the LAN host addresses (10.x.0.2 up), all on the LAN
	// namespace's eth0; the first is the source address by default.
	Hosts []netip.Addr
	// Symmetric reports whether the NAT is symmetric.
	Symmetric bool
}

// namePrefix starts the name of every namespace this package creates;
// the process id follows, so stale namespaces can be told apart from live ones.
const namePrefix = "shoalnat-"

var (
	inetPublic  = netip.MustParseAddr("198.18.0.1")
	routerAddrs = [2]netip.Addr{netip.MustParseAddr("198.18.0.10"), netip.MustParseAddr("198.18.0.11")}
)

// upCount numbers the topologies of this process.
var upCount atomic.Uint64

// Up builds a topology for the test and registers its teardown with
// t.Cleanup. It skips the test (fails it when CI=true) if the machine
// cannot build one.
func Up(t testing.TB, cfg Config) *Topology {
	t.Helper()
	if err := checkEnv(); err != nil {
		unavailable(t, err)
	}
	removeStaleOnce()
	n := cfg.HostsPerCluster
	if n == 0 {
		n = 1
	}
	if n < 0 || n > MaxHosts {
		t.Fatalf("nattest: HostsPerCluster %d not in 1..%d", n, MaxHosts)
	}
	// The process id makes names unique among live test processes (and lets
	// stale ones be found), the counter within this one; the random part
	// avoids leftovers of an earlier process that had the same id.
	tag := fmt.Sprintf("%s%d-%d%04x-", namePrefix, os.Getpid(), upCount.Add(1), rand.Uint32N(1<<16))
	tp := &Topology{Mode: cfg.Mode, Inet: tag + "inet", Routers: routerAddrs, tag: tag}
	for c := range tp.Clusters {
		cl := &tp.Clusters[c]
		cl.NAT = fmt.Sprintf("%snat%d", tag, c)
		cl.LAN = fmt.Sprintf("%slan%d", tag, c)
		cl.Public = netip.AddrFrom4([4]byte{198, 18, 0, byte(2 + c)})
		cl.Gateway = netip.AddrFrom4([4]byte{10, byte(1 + c), 0, 1})
		cl.Symmetric = cfg.Mode.symmetric(c)
		for i := range n {
			cl.Hosts = append(cl.Hosts, netip.AddrFrom4([4]byte{10, byte(1 + c), 0, byte(2 + i)}))
		}
	}
	t.Cleanup(func() {
		if err := tp.down(); err != nil {
			t.Errorf("nattest: teardown: %v", err)
		}
	})
	if err := tp.build(); err != nil {
		unavailable(t, err)
	}
	return tp
}

// namespaces lists the topology's namespaces.
func (tp *Topology) namespaces() []string {
	ns := []string{tp.Inet}
	for _, c := range tp.Clusters {
		ns = append(ns, c.NAT, c.LAN)
	}
	return ns
}

// build creates the namespaces, links, addresses, routes and NAT rules.
func (tp *Topology) build() error {
	var b strings.Builder
	for _, ns := range tp.namespaces() {
		fmt.Fprintf(&b, "netns add %s\n", ns)
	}
	if err := ipBatch("", b.String()); err != nil {
		return err
	}

	b.Reset()
	b.WriteString("link set lo up\nlink add br0 type bridge\nlink set br0 up\n")
	for _, a := range []netip.Addr{inetPublic, tp.Routers[0], tp.Routers[1]} {
		fmt.Fprintf(&b, "addr add %s/24 dev br0\n", a)
	}
	for c, cl := range tp.Clusters {
		fmt.Fprintf(&b, "link add up%d type veth peer name wan netns %s\n", c, cl.NAT)
		fmt.Fprintf(&b, "link set up%d master br0 up\n", c)
	}
	if err := ipBatch(tp.Inet, b.String()); err != nil {
		return err
	}

	for _, cl := range tp.Clusters {
		b.Reset()
		b.WriteString("link set lo up\nlink set wan up\n")
		fmt.Fprintf(&b, "addr add %s/24 dev wan\n", cl.Public)
		fmt.Fprintf(&b, "link add lan type veth peer name eth0 netns %s\n", cl.LAN)
		fmt.Fprintf(&b, "addr add %s/24 dev lan\nlink set lan up\n", cl.Gateway)
		if err := ipBatch(cl.NAT, b.String()); err != nil {
			return err
		}

		b.Reset()
		b.WriteString("link set lo up\n")
		for _, h := range cl.Hosts {
			fmt.Fprintf(&b, "addr add %s/24 dev eth0\n", h)
		}
		fmt.Fprintf(&b, "link set eth0 up\nroute add default via %s\n", cl.Gateway)
		if err := ipBatch(cl.LAN, b.String()); err != nil {
			return err
		}

		if err := tp.Do(cl.NAT, func() error { return writeSysctl("net/ipv4/ip_forward", "1") }); err != nil {
			return err
		}
		if err := iptablesRestore(cl.NAT, natRules(cl.Symmetric)); err != nil {
			return err
		}
	}
	return nil
}

// natRules is the iptables-restore input of a home router on interface wan.
func natRules(symmetric bool) string {
	masq := "-A POSTROUTING -o wan -j MASQUERADE"
	if symmetric {
		masq += " --random-fully"
	}
	return "*nat\n" + masq + "\nCOMMIT\n" +
		"*filter\n" +
		"-A FORWARD -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n" +
		"-A FORWARD -i wan -j DROP\n" +
		"-A INPUT -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n" +
		"-A INPUT -i wan -j DROP\n" +
		"COMMIT\n"
}

// Forward adds a static port forward on cluster c's NAT: proto ("tcp" or
// "udp") connections to Public:publicPort go to to, which must be one of the
// cluster's hosts. It models a router with a configured (or UPnP) forward.
func (tp *Topology) Forward(c int, proto string, publicPort uint16, to netip.AddrPort) error {
	if c < 0 || c >= len(tp.Clusters) {
		return fmt.Errorf("nattest: forward: no cluster %d", c)
	}
	if proto != "tcp" && proto != "udp" {
		return fmt.Errorf("nattest: forward: protocol %q", proto)
	}
	cl := tp.Clusters[c]
	rules := fmt.Sprintf("*nat\n-A PREROUTING -i wan -p %s --dport %d -j DNAT --to-destination %s\nCOMMIT\n"+
		"*filter\n-I FORWARD 1 -i wan -p %s -d %s --dport %d -m conntrack --ctstate DNAT -j ACCEPT\nCOMMIT\n",
		proto, publicPort, to, proto, to.Addr(), to.Port())
	return iptablesRestore(cl.NAT, rules, "--noflush")
}

// Conntrack returns the connection tracking table of cluster c's NAT (the
// NAT mappings), for failure reports. It needs the conntrack tool.
func (tp *Topology) Conntrack(c int) (string, error) {
	if c < 0 || c >= len(tp.Clusters) {
		return "", fmt.Errorf("nattest: conntrack: no cluster %d", c)
	}
	out, err := tp.Command(tp.Clusters[c].NAT, "conntrack", "-L").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("nattest: conntrack -L: %w: %s", err, out)
	}
	return string(out), nil
}

// down kills whatever still runs inside the topology's namespaces and
// deletes them.
func (tp *Topology) down() error {
	return removeNamespaces(tp.namespaces())
}
