package ringlab

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is what an Event reports.
type Kind uint8

// The kinds of events. The first eight are the protocol events every ring
// run shows; Listening, Note and Done tell how a node starts and ends.
const (
	RecvChunk   Kind = iota + 1 // a verified chunk arrived
	SentChunk                   // the last block of a chunk went out
	RecvList                    // a chunk list (bitfield) arrived
	SentList                    // a chunk list (bitfield) went out
	RecvHave                    // a chunk-list update (have) arrived
	SentHave                    // a chunk-list update (have) went out
	RecvRequest                 // a request for the first block of a chunk arrived
	SentRequest                 // the first block of a chunk was requested
	Listening                   // the node accepts connections at Text
	Note                        // anything else, in Text
	Done                        // the node finished; Text sums it up
)

// ProtocolKinds lists the kinds a ring run must show.
var ProtocolKinds = []Kind{RecvChunk, SentChunk, RecvList, SentList, RecvHave, SentHave, RecvRequest, SentRequest}

var kindNames = [...]string{
	RecvChunk:   "recv chunk",
	SentChunk:   "sent chunk",
	RecvList:    "recv chunk-list",
	SentList:    "sent chunk-list",
	RecvHave:    "recv have",
	SentHave:    "sent have",
	RecvRequest: "recv request",
	SentRequest: "sent request",
	Listening:   "listening",
	Note:        "note",
	Done:        "done",
}

// String returns the words that start the kind's event lines, such as
// "recv chunk".
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one thing a node did.
type Event struct {
	Self  Node // the node reporting
	Kind  Kind
	Peer  Node  // the other side (chunk, list, have and request events)
	Chunk int   // the chunk (chunk, have and request events)
	Bytes int64 // the chunk's size (chunk events)
	Count int   // chunks in the list: the sender's after a have (list and have events)
	Total int   // chunks in the file (list and have events)
	Text  string
}

// String formats the event as one line without a newline, for instance
//
//	peer 2: recv chunk 7 from peer 1 (102400 B)
//	peer 2: sent chunk 7 to peer 3 (102400 B)
//	peer 2: recv chunk-list from peer 1 (6/12 chunks)
//	peer 2: sent chunk-list to peer 3 (6/12 chunks)
//	peer 2: recv have chunk 8 from peer 1 (7/12 chunks)
//	peer 2: sent have chunk 8 to peer 3 (7/12 chunks)
//	peer 2: recv request chunk 9 from peer 3
//	peer 2: sent request chunk 9 to peer 1
//	peer 2: listening on 127.0.0.1:7002
//	peer 2: done: ...
func (e Event) String() string {
	switch e.Kind {
	case RecvChunk:
		return fmt.Sprintf("%v: recv chunk %d from %v (%d B)", e.Self, e.Chunk, e.Peer, e.Bytes)
	case SentChunk:
		return fmt.Sprintf("%v: sent chunk %d to %v (%d B)", e.Self, e.Chunk, e.Peer, e.Bytes)
	case RecvList:
		return fmt.Sprintf("%v: recv chunk-list from %v (%d/%d chunks)", e.Self, e.Peer, e.Count, e.Total)
	case SentList:
		return fmt.Sprintf("%v: sent chunk-list to %v (%d/%d chunks)", e.Self, e.Peer, e.Count, e.Total)
	case RecvHave:
		return fmt.Sprintf("%v: recv have chunk %d from %v (%d/%d chunks)", e.Self, e.Chunk, e.Peer, e.Count, e.Total)
	case SentHave:
		return fmt.Sprintf("%v: sent have chunk %d to %v (%d/%d chunks)", e.Self, e.Chunk, e.Peer, e.Count, e.Total)
	case RecvRequest:
		return fmt.Sprintf("%v: recv request chunk %d from %v", e.Self, e.Chunk, e.Peer)
	case SentRequest:
		return fmt.Sprintf("%v: sent request chunk %d to %v", e.Self, e.Chunk, e.Peer)
	case Listening:
		return fmt.Sprintf("%v: listening on %s", e.Self, e.Text)
	case Done:
		return fmt.Sprintf("%v: done: %s", e.Self, e.Text)
	}
	return fmt.Sprintf("%v: %s", e.Self, e.Text)
}

// maxEventLine bounds the lines ParseEvent reads.
const maxEventLine = 4096

// ParseEvent parses a line made by Event.String. A line of a node that is
// not exactly in one of the other forms is a Note. It fails for lines that do not
// start with a node.
func ParseEvent(line string) (Event, error) {
	if len(line) > maxEventLine {
		return Event{}, fmt.Errorf("ringlab: event line of %d bytes", len(line))
	}
	who, rest, ok := strings.Cut(line, ": ")
	if !ok {
		return Event{}, fmt.Errorf("ringlab: %q is not an event line", line)
	}
	self, err := parseNode(who)
	if err != nil {
		return Event{}, err
	}
	e := Event{Self: self}
	// Only the exact form String makes is a protocol event.
	if e.parseProtocol(rest) && e.String() == line {
		return e, nil
	}
	e = Event{Self: self}
	switch {
	case strings.HasPrefix(rest, "listening on "):
		e.Kind, e.Text = Listening, strings.TrimPrefix(rest, "listening on ")
	case strings.HasPrefix(rest, "done: "):
		e.Kind, e.Text = Done, strings.TrimPrefix(rest, "done: ")
	default:
		e.Kind, e.Text = Note, rest
	}
	return e, nil
}

// parseProtocol parses the rest of a protocol event line into e.
func (e *Event) parseProtocol(rest string) bool {
	f := strings.Fields(rest)
	if len(f) < 5 {
		return false
	}
	var kind Kind
	switch f[0] + " " + f[1] {
	case "recv chunk":
		kind = RecvChunk
	case "sent chunk":
		kind = SentChunk
	case "recv chunk-list":
		return e.parseList(RecvList, f[2:], "from")
	case "sent chunk-list":
		return e.parseList(SentList, f[2:], "to")
	case "recv have", "sent have", "recv request", "sent request":
		if f[2] != "chunk" {
			return false
		}
		kind = map[string]Kind{"recv have": RecvHave, "sent have": SentHave, "recv request": RecvRequest, "sent request": SentRequest}[f[0]+" "+f[1]]
		f = append(f[:2:2], f[3:]...)
		if len(f) < 5 {
			return false
		}
	default:
		return false
	}
	// f: verb noun CHUNK from|to NODE... [(...)]
	c, err := strconv.Atoi(f[2])
	if err != nil || c < 0 {
		return false
	}
	dir := "to"
	if f[0] == "recv" {
		dir = "from"
	}
	if f[3] != dir {
		return false
	}
	node, tail, ok := cutNode(f[4:])
	if !ok {
		return false
	}
	e.Kind, e.Chunk, e.Peer = kind, c, node
	switch kind {
	case RecvChunk, SentChunk:
		if len(tail) != 2 || !strings.HasPrefix(tail[0], "(") || tail[1] != "B)" {
			return false
		}
		n, err := strconv.ParseInt(tail[0][1:], 10, 64)
		if err != nil || n < 0 {
			return false
		}
		e.Bytes = n
	case RecvHave, SentHave:
		return len(tail) == 2 && tail[1] == "chunks)" && e.parseCount(tail[0])
	default:
		return len(tail) == 0
	}
	return true
}

// parseList parses "from|to NODE (n/m chunks)".
func (e *Event) parseList(kind Kind, f []string, dir string) bool {
	if len(f) < 2 || f[0] != dir {
		return false
	}
	node, tail, ok := cutNode(f[1:])
	if !ok || len(tail) != 2 || tail[1] != "chunks)" || !e.parseCount(tail[0]) {
		return false
	}
	e.Kind, e.Peer = kind, node
	return true
}

// parseCount parses "(n/m".
func (e *Event) parseCount(s string) bool {
	a, b, ok := strings.Cut(strings.TrimPrefix(s, "("), "/")
	if !ok || !strings.HasPrefix(s, "(") {
		return false
	}
	n, err1 := strconv.Atoi(a)
	m, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n < 0 || m < 0 {
		return false
	}
	e.Count, e.Total = n, m
	return true
}

// cutNode takes "owner" or "peer I" from the front of f.
func cutNode(f []string) (Node, []string, bool) {
	switch {
	case len(f) >= 1 && f[0] == "owner":
		return Owner, f[1:], true
	case len(f) >= 2 && f[0] == "peer":
		n, err := parseNode("peer " + f[1])
		return n, f[2:], err == nil
	}
	return 0, nil, false
}

func parseNode(s string) (Node, error) {
	if s == "owner" {
		return Owner, nil
	}
	if v, ok := strings.CutPrefix(s, "peer "); ok {
		i, err := strconv.Atoi(v)
		if err == nil && i >= 0 && i < MaxPeers && strconv.Itoa(i) == v {
			return Node(i), nil
		}
	}
	return 0, fmt.Errorf("ringlab: %q is not a ring node", s)
}
