package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// A change message is what the Redis store publishes after applying part of
// a batch: the changes Redis accepted, in the order it applied them. The
// apply script builds it; Follow decodes it. All integers are big-endian.
//
//	message:   version (1) | writer (8) | entry count (4) | entries
//	put:       'P' | peer key (38) | peer value (54)
//	put+:      'R' | peer key (38) | value length (2) | peer value (a value
//	           longer than 54 bytes: one with a rendezvous contact)
//	remove:    'D' | peer key (38) | the time the removal covers (8, unix
//	           ns; 0 when it covers every state, see registry.PeerChange)
//	completed: 'C' | info hash (20) | delta (8) | total after the delta (8)
//
// Peer keys and values are the records of record.go.
const (
	msgVersion   = 1
	msgHeaderLen = 1 + 8 + 4
	msgPutLen    = 1 + peerKeyLen + peerValueLen
	msgPutExtLen = 1 + peerKeyLen + 2 // before the value
	msgRemoveLen = 1 + peerKeyLen + 8
	msgDoneLen   = 1 + 20 + 8 + 8

	// maxMessageEntries bounds the entries of one message; the apply script
	// publishes at most one entry per change of a chunk.
	maxMessageEntries = 4 * applyChunk
	maxMessageLen     = msgHeaderLen + maxMessageEntries*(msgPutExtLen+maxPeerValueLen)

	kindPut       = 'P'
	kindPutExt    = 'R'
	kindRemove    = 'D'
	kindCompleted = 'C'
)

// writerID identifies one Redis store, normally one tracker process.
type writerID [8]byte

// completedTotal is a completed entry: the change and the count it led to.
type completedTotal struct {
	InfoHash bt.InfoHash
	Delta    uint64
	Total    uint64
}

// message is a decoded change message.
type message struct {
	writer    writerID
	peers     []registry.PeerChange
	completed []completedTotal
}

// parseMessage decodes a change message. It accepts nothing but a complete,
// well-formed message of at most maxMessageLen bytes.
func parseMessage(b []byte) (message, error) {
	var m message
	if len(b) > maxMessageLen {
		return m, fmt.Errorf("%w: message of %d bytes", errRecord, len(b))
	}
	if len(b) < msgHeaderLen {
		return m, fmt.Errorf("%w: message header of %d bytes", errRecord, len(b))
	}
	if b[0] != msgVersion {
		return m, fmt.Errorf("%w: message version %d", errRecord, b[0])
	}
	copy(m.writer[:], b[1:9])
	n := binary.BigEndian.Uint32(b[9:13])
	if n > maxMessageEntries {
		return m, fmt.Errorf("%w: %d message entries", errRecord, n)
	}
	b = b[msgHeaderLen:]
	for i := range n {
		if len(b) == 0 {
			return m, fmt.Errorf("%w: message ends at entry %d of %d", errRecord, i, n)
		}
		switch b[0] {
		case kindPut:
			if len(b) < msgPutLen {
				return m, fmt.Errorf("%w: short put entry", errRecord)
			}
			h, addr, err := parsePeerKey(b[1 : 1+peerKeyLen])
			if err != nil {
				return m, err
			}
			p, err := parsePeerValue(b[1+peerKeyLen:msgPutLen], addr)
			if err != nil {
				return m, err
			}
			m.peers = append(m.peers, registry.PeerChange{InfoHash: h, Peer: p})
			b = b[msgPutLen:]
		case kindPutExt:
			if len(b) < msgPutExtLen {
				return m, fmt.Errorf("%w: short put entry", errRecord)
			}
			n := int(binary.BigEndian.Uint16(b[1+peerKeyLen : msgPutExtLen]))
			if n <= peerValueLen || n > maxPeerValueLen || len(b) < msgPutExtLen+n {
				return m, fmt.Errorf("%w: put entry of %d value bytes", errRecord, n)
			}
			h, addr, err := parsePeerKey(b[1 : 1+peerKeyLen])
			if err != nil {
				return m, err
			}
			p, err := parsePeerValue(b[msgPutExtLen:msgPutExtLen+n], addr)
			if err != nil {
				return m, err
			}
			m.peers = append(m.peers, registry.PeerChange{InfoHash: h, Peer: p})
			b = b[msgPutExtLen+n:]
		case kindRemove:
			if len(b) < msgRemoveLen {
				return m, fmt.Errorf("%w: short remove entry", errRecord)
			}
			h, addr, err := parsePeerKey(b[1 : 1+peerKeyLen])
			if err != nil {
				return m, err
			}
			c := registry.PeerChange{InfoHash: h, Peer: registry.Peer{Addr: addr}, Removed: true}
			switch until := binary.BigEndian.Uint64(b[1+peerKeyLen : msgRemoveLen]); {
			case until > math.MaxInt64:
				return m, fmt.Errorf("%w: removal time %#x", errRecord, until)
			case until != 0:
				c.Peer.LastSeen = time.Unix(0, int64(until))
			}
			m.peers = append(m.peers, c)
			b = b[msgRemoveLen:]
		case kindCompleted:
			if len(b) < msgDoneLen {
				return m, fmt.Errorf("%w: short completed entry", errRecord)
			}
			c := completedTotal{
				InfoHash: bt.InfoHash(b[1:21]),
				Delta:    binary.BigEndian.Uint64(b[21:29]),
				Total:    binary.BigEndian.Uint64(b[29:37]),
			}
			if c.Delta > c.Total {
				return m, fmt.Errorf("%w: completed delta %d above total %d", errRecord, c.Delta, c.Total)
			}
			m.completed = append(m.completed, c)
			b = b[msgDoneLen:]
		default:
			return m, fmt.Errorf("%w: message entry kind %#x", errRecord, b[0])
		}
	}
	if len(b) != 0 {
		return m, fmt.Errorf("%w: %d bytes after the last message entry", errRecord, len(b))
	}
	return m, nil
}
