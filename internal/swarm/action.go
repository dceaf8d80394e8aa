package swarm

import (
	"fmt"

	"shoal/internal/picker"
	"shoal/internal/wire"
)

// Peer names one connection inside a State. The engine picks the numbers.
type Peer = picker.Peer

// Kind says what an Action asks the engine to do.
type Kind uint8

// The kinds of action.
const (
	// Send writes Msg (no payload) to Peer.
	Send Kind = iota + 1
	// Serve reads block (Msg.Index, Msg.Begin, Msg.Length) from storage and
	// sends it to Peer as a piece message.
	Serve
	// Unserve drops a queued Serve of that block for Peer, if not yet sent.
	Unserve
	// UnserveAll drops every queued Serve for Peer (we choked it).
	UnserveAll
	// Store copies the payload of the piece message just handled into the
	// buffer of piece Msg.Index at offset Msg.Begin.
	Store
	// Hash verifies piece Msg.Index, whose blocks have all been stored, and
	// reports the result with PieceHashed.
	Hash
	// Close disconnects Peer; Err says why.
	Close
	// Ban closes Peer and refuses its address from now on; Err says why.
	Ban
	// Completed reports that every piece is verified: we are a seeder now.
	Completed
)

// Action is one thing the engine must do, in order.
type Action struct {
	Kind Kind
	Peer Peer
	Msg  wire.Message
	Err  error
}

func (a Action) String() string {
	switch a.Kind {
	case Send:
		return fmt.Sprintf("send %d %v", a.Peer, a.Msg)
	case Serve:
		return fmt.Sprintf("serve %d %d+%d/%d", a.Peer, a.Msg.Index, a.Msg.Begin, a.Msg.Length)
	case Unserve:
		return fmt.Sprintf("unserve %d %d+%d/%d", a.Peer, a.Msg.Index, a.Msg.Begin, a.Msg.Length)
	case UnserveAll:
		return fmt.Sprintf("unserve-all %d", a.Peer)
	case Store:
		return fmt.Sprintf("store %d+%d", a.Msg.Index, a.Msg.Begin)
	case Hash:
		return fmt.Sprintf("hash %d", a.Msg.Index)
	case Close:
		return fmt.Sprintf("close %d: %v", a.Peer, a.Err)
	case Ban:
		return fmt.Sprintf("ban %d: %v", a.Peer, a.Err)
	case Completed:
		return "completed"
	}
	return fmt.Sprintf("action(%d)", a.Kind)
}
