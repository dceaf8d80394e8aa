package ringlab

import (
	"testing"
)

func TestEventRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		e    Event
		line string
	}{
		{Event{Self: 2, Kind: RecvChunk, Peer: 1, Chunk: 7, Bytes: 102400}, "peer 2: recv chunk 7 from peer 1 (102400 B)"},
		{Event{Self: 2, Kind: RecvChunk, Peer: Owner, Chunk: 2, Bytes: 5}, "peer 2: recv chunk 2 from owner (5 B)"},
		{Event{Self: Owner, Kind: SentChunk, Peer: 3, Chunk: 8, Bytes: 102400}, "owner: sent chunk 8 to peer 3 (102400 B)"},
		{Event{Self: 2, Kind: SentList, Peer: 3, Count: 6, Total: 12}, "peer 2: sent chunk-list to peer 3 (6/12 chunks)"},
		{Event{Self: 3, Kind: RecvList, Peer: 2, Count: 6, Total: 12}, "peer 3: recv chunk-list from peer 2 (6/12 chunks)"},
		{Event{Self: 2, Kind: SentHave, Peer: 3, Chunk: 9, Count: 7, Total: 12}, "peer 2: sent have chunk 9 to peer 3 (7/12 chunks)"},
		{Event{Self: 3, Kind: RecvHave, Peer: 2, Chunk: 9, Count: 7, Total: 12}, "peer 3: recv have chunk 9 from peer 2 (7/12 chunks)"},
		{Event{Self: 2, Kind: RecvRequest, Peer: 3, Chunk: 9}, "peer 2: recv request chunk 9 from peer 3"},
		{Event{Self: 3, Kind: SentRequest, Peer: 2, Chunk: 9}, "peer 3: sent request chunk 9 to peer 2"},
		{Event{Self: 0, Kind: Listening, Text: "127.0.0.1:7000"}, "peer 0: listening on 127.0.0.1:7000"},
		{Event{Self: Owner, Kind: Done, Text: "all good"}, "owner: done: all good"},
		{Event{Self: 4, Kind: Note, Text: "refused peer 9"}, "peer 4: refused peer 9"},
		{Event{Self: 4, Kind: Note, Text: "recv chunk x from peer 1 (5 B)"}, "peer 4: recv chunk x from peer 1 (5 B)"},
	} {
		if got := tc.e.String(); got != tc.line {
			t.Errorf("String = %q, want %q", got, tc.line)
		}
		got, err := ParseEvent(tc.line)
		if err != nil || got != tc.e {
			t.Errorf("ParseEvent(%q) = %+v, %v; want %+v", tc.line, got, err, tc.e)
		}
	}
}

func TestParseEventErrors(t *testing.T) {
	for _, line := range []string{"", "hello", "peer x: recv chunk 1 from peer 2 (3 B)", "peer -1: done: x", "Owner: x", "peer 01: x"} {
		if e, err := ParseEvent(line); err == nil {
			t.Errorf("ParseEvent(%q) = %+v, want an error", line, e)
		}
	}
}

func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{
		"peer 2: recv chunk 7 from peer 1 (102400 B)",
		"peer 3: recv have chunk 9 from peer 2 (7/12 chunks)",
		"peer 2: sent chunk-list to peer 3 (6/12 chunks)",
		"owner: recv request chunk 9 from peer 3",
		"peer 3: recv have chunk 9 from",
		"owner: done: x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseEvent(line)
		if err != nil {
			return
		}
		// A parsed protocol event formats back to the same line.
		if e.Kind != Note && e.Kind != Listening && e.Kind != Done {
			if got := e.String(); got != line {
				t.Errorf("ParseEvent(%q).String() = %q", line, got)
			}
		}
	})
}
