package pairbench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"shoal/internal/rendezvous/service"
)

// streamStats is what one pair's stream measured.
type streamStats struct {
	sent    int64 // messages written
	replied int64 // correct replies in sequence
	dropped int64 // messages without a correct reply
	reorder int64 // replies out of sequence
	bytes   int64 // payload bytes of replied messages
	xmit    []time.Duration
	elapsed time.Duration // from the first message to the last reply
	err     error
}

// stream sends content on conn for d and reads the replies; drain bounds
// the wait for the last replies. Message j (from 1) leaves at start +
// (j-1)/rate; its reply must carry seq j and the payload in upper case.
// conn is closed when the stream fails.
func stream(ctx context.Context, conn net.Conn, c Content, d, drain time.Duration, r *rand.Rand) streamStats {
	n := max(1, int(c.Rate*d.Seconds()))
	sentAt := make([]atomic.Int64, n+1)
	sizes := make([]int, n+1)
	offs := make([]int, n+1)
	for j := 1; j <= n; j++ {
		sizes[j] = c.size(uint64(j), r)
		offs[j] = r.IntN(len(text) - sizes[j] + 1)
	}
	var st streamStats
	start := time.Now()
	conn.SetDeadline(start.Add(d + drain))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var written atomic.Int64
	werr := make(chan error, 1)
	go func() {
		gap := time.Duration(float64(time.Second) / c.Rate)
		buf := make([]byte, 0, 13+maxPayload)
		for j := 1; j <= n; j++ {
			if wait := time.Until(start.Add(time.Duration(j-1) * gap)); wait > 0 {
				select {
				case <-ctx.Done():
					werr <- ctx.Err()
					return
				case <-time.After(wait):
				}
			}
			p := text[offs[j] : offs[j]+sizes[j]]
			buf = service.AppendFrame(buf[:0], service.Frame{Kind: service.KindMessage, Seq: uint64(j), Payload: p})
			sentAt[j].Store(time.Now().UnixNano())
			if _, err := conn.Write(buf); err != nil {
				werr <- err
				return
			}
			written.Store(int64(j))
		}
		werr <- nil
	}()

	br := bufio.NewReaderSize(conn, 64<<10)
	next := uint64(1)
	var last time.Time
	for next <= uint64(n) {
		f, err := service.ReadFrame(br)
		if err != nil {
			st.err = err
			break
		}
		now := time.Now()
		if f.Kind != service.KindReply || f.Seq == 0 || f.Seq > uint64(n) {
			st.err = fmt.Errorf("pairbench: reply kind %d seq %d", f.Kind, f.Seq)
			break
		}
		switch {
		case f.Seq < next:
			st.reorder++
			continue
		case f.Seq > next:
			st.reorder++ // the messages in between are lost
		}
		next = f.Seq + 1
		j := f.Seq
		if !bytes.Equal(f.Payload, upper[offs[j]:offs[j]+sizes[j]]) {
			continue // counted as dropped: the reply does not match
		}
		st.replied++
		st.bytes += int64(sizes[j])
		st.xmit = append(st.xmit, now.Sub(time.Unix(0, sentAt[j].Load())))
		last = now
	}
	if st.err != nil {
		conn.Close()
		st.err = fmt.Errorf("pairbench: after %d of %d replies: %w", st.replied, n, st.err)
		<-werr
	} else {
		st.err = <-werr
	}
	st.sent = written.Load()
	st.dropped = int64(n) - st.replied
	if !last.IsZero() {
		st.elapsed = last.Sub(start)
	}
	return st
}
