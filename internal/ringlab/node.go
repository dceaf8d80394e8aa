package ringlab

import (
	"fmt"
	"strconv"

	"shoal/internal/bt"
)

// Node names a member of the ring: the owner or peer i (i >= 0).
type Node int

// Owner is the node that has the file at the start.
const Owner Node = -1

// MaxPeers bounds the number of peers in a ring; peer ids carry the index
// in peerIDDigits decimal digits.
const MaxPeers = 1_000_000

// peerIDPrefix starts the peer id of every ring member.
const peerIDPrefix = "-SHRING-"

const peerIDDigits = 20 - len(peerIDPrefix) - 1

// String returns "owner" or "peer i".
func (n Node) String() string {
	if n == Owner {
		return "owner"
	}
	return "peer " + strconv.Itoa(int(n))
}

// Valid reports whether n is the owner or a peer index below MaxPeers.
func (n Node) Valid() bool { return n == Owner || (n >= 0 && n < MaxPeers) }

// PeerID returns the handshake peer id of n: the prefix, then "o" for the
// owner or "p" and the index in decimal digits.
func (n Node) PeerID() bt.PeerID {
	var id bt.PeerID
	copy(id[:], peerIDPrefix)
	if n == Owner {
		copy(id[len(peerIDPrefix):], fmt.Sprintf("o%0*d", peerIDDigits, 0))
	} else {
		copy(id[len(peerIDPrefix):], fmt.Sprintf("p%0*d", peerIDDigits, int(n)))
	}
	return id
}

// NodeFromPeerID returns the node a handshake peer id names, or an error
// if it is not the id of a ring member.
func NodeFromPeerID(id bt.PeerID) (Node, error) {
	s := string(id[:])
	if s[:len(peerIDPrefix)] != peerIDPrefix {
		return 0, fmt.Errorf("ringlab: peer id %v is not a ring member's", id)
	}
	rest := s[len(peerIDPrefix):]
	digits := rest[1:]
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("ringlab: peer id %v is not a ring member's", id)
		}
	}
	v, _ := strconv.Atoi(digits)
	switch {
	case rest[0] == 'o' && v == 0:
		return Owner, nil
	case rest[0] == 'p' && v < MaxPeers:
		return Node(v), nil
	}
	return 0, fmt.Errorf("ringlab: peer id %v is not a ring member's", id)
}
