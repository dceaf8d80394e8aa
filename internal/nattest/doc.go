// Package nattest builds small simulated networks out of Linux network
// namespaces for end-to-end tests of NAT traversal: two clusters of hosts,
// each behind its own home-router NAT, joined by an "internet" bridge that
// also carries the addresses of the cluster routers.
//
//	lan0 10.1.0.2.. --veth-- nat0 [10.1.0.1 | 198.18.0.2] --+
//	                                                        +-- inet bridge 198.18.0.1, routers 198.18.0.10 and .11
//	lan1 10.2.0.2.. --veth-- nat1 [10.2.0.1 | 198.18.0.3] --+
//
// Each NAT masquerades its LAN behind its public address and drops every
// unsolicited inbound packet, like a home router: replies to connections
// opened from inside pass, nothing else does. Mode chooses the mapping
// behaviour: port-restricted cone (iptables MASQUERADE: the source port is
// kept while it is free, so a mapping observed by one remote is the mapping
// another remote sees), or symmetric (MASQUERADE --random-fully: every new
// connection gets a fresh random port). 198.18.0.0/15 is the benchmarking
// range of RFC 2544; it never leaves the machine.
//
// Up creates the namespaces under names unique to the test process and
// removes them (and every process still inside them) when the test ends;
// it also removes namespaces left behind by earlier test processes that
// have died. Programs run inside a namespace through Topology.Command
// (ip netns exec), and in-process sockets are created inside one through
// Topology.Do, Listen and Dial.
//
// Creating namespaces needs root, iproute2 and iptables (conntrack is used
// only for diagnostics). When they are missing Up skips the test, except
// when the environment variable CI is "true": then it fails it.
//
// Port-restricted here means Linux MASQUERADE: before choosing a public port
// for a new connection, the NAT reuses the mapping that the same internal
// address and port already has (while any connection of it is tracked,
// TIME_WAIT included), so even hosts that all listen on 6881 keep one
// public port each towards every remote. --random-fully skips that lookup.
//
// The package implements no BEP. Its tests check the topology itself: an
// unsolicited inbound connection is dropped (the dial times out), outbound
// connections leave with the NAT's address, a forward opens a port, each
// NAT maps as its mode says, and TCP hole punching by simultaneous open (the
// technique of the rendezvous routers, brokered by a small rendezvous in the
// test) gets through two port-restricted NATs and not through a symmetric
// one. Run them with -v to see success rates and setup latencies.
//
// Environment knobs of the tests:
//
//	SHOAL_BIN            use this shoal binary instead of building cmd/shoal
//	SHOAL_TEST_RACE      "1" or "0": build shoal with or without -race
//	                     (default: like the test binary itself)
package nattest
