package tui

import (
	"fmt"
	"slices"
	"strings"
)

// Link kinds as the engine reports them in Peer.Link.
const (
	linkRelayed = "relayed"
	linkDirect  = "direct"
	linkSimOpen = "simultaneous-open"
	linkBack    = "connect-back"
	linkLAN     = "lan"
)

// rdvIDDigits is how many hex digits of a rendezvous ID the console shows.
const rdvIDDigits = 8

// maxLinkWidth is the widest link marker.
const maxLinkWidth = 7 // "relayed", "simopen"

// linkMarker is the short marker of p's link: "relayed", "direct",
// "simopen", "back" or "lan"; "rdv" for a rendezvous link of no known
// kind, and "" for a plain TCP connection.
func linkMarker(p Peer) string {
	switch p.Link {
	case linkRelayed:
		return "relayed"
	case linkDirect:
		return "direct"
	case linkSimOpen:
		return "simopen"
	case linkBack:
		return "back"
	case linkLAN:
		return "lan"
	case "", "rendezvous":
		if p.Link != "" || clean(p.Rendezvous, 1) != "" {
			return "rdv"
		}
		return ""
	}
	return clean(p.Link, maxLinkWidth)
}

// peerAddr is the address shown for p: "rdv:" and the start of its
// rendezvous ID when it has one, its network address otherwise.
func peerAddr(p Peer) string {
	if id := clean(p.Rendezvous, rdvIDDigits); id != "" {
		return "rdv:" + id
	}
	return clean(p.Addr, 64)
}

// rdvSummary counts the rendezvous peers by link kind, relayed first:
// "rdv 3 (1 relayed, 2 direct)". It is empty when no peer is reached
// through the rendezvous routers.
func rdvSummary(peers []Peer) string {
	order := []string{"relayed", "direct", "simopen", "back", "lan"}
	counts := map[string]int{}
	n := 0
	for _, p := range peers {
		mk := linkMarker(p)
		if mk == "" {
			continue
		}
		n++
		if counts[mk] == 0 && !slices.Contains(order, mk) {
			order = append(order, mk)
		}
		counts[mk]++
	}
	if n == 0 {
		return ""
	}
	var parts []string
	for _, mk := range order {
		if c := counts[mk]; c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, mk))
		}
	}
	return fmt.Sprintf("rdv %d (%s)", n, strings.Join(parts, ", "))
}
