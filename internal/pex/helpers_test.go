package pex

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// a returns the contact 10.0.0.n:1.
func a(n int) Contact {
	return Contact{Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(n >> 8), byte(n)}), 1)}
}

// rv returns a rendezvous ID starting with n.
func rv(n byte) [20]byte { return [20]byte{n, 0xee} }

// r returns a rendezvous-only contact.
func r(n byte) Contact { return Contact{Rendezvous: rv(n)} }

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// str renders a contact compactly: the address, "r<n>" for a rendezvous ID,
// "+s" for a seed and "+o" for a reachable contact.
func str(c Contact) string {
	var parts []string
	if c.Addr.IsValid() {
		parts = append(parts, c.Addr.String())
	}
	if c.Rendezvous != ([20]byte{}) {
		parts = append(parts, fmt.Sprintf("r%d", c.Rendezvous[0]))
	}
	s := strings.Join(parts, "/")
	if c.Seed {
		s += "+s"
	}
	if c.Reachable {
		s += "+o"
	}
	return s
}

func strs(cs []Contact) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = str(c)
	}
	return strings.Join(parts, " ")
}

// render renders messages as "to=1 +added ... -dropped ..." joined by " | ".
func render(out []Outgoing) string {
	var msgs []string
	for _, o := range out {
		parts := []string{fmt.Sprintf("to=%d", o.To)}
		for _, c := range o.Msg.Added {
			parts = append(parts, "+"+str(c))
		}
		for _, c := range o.Msg.Dropped {
			parts = append(parts, "-"+str(c))
		}
		msgs = append(msgs, strings.Join(parts, " "))
	}
	return strings.Join(msgs, " | ")
}
