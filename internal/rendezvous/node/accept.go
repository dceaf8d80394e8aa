package node

import (
	"bufio"
	"net"
	"slices"
	"time"

	"shoal/internal/rendezvous/proto"
)

// acceptLoop takes inbound sockets on the listening port.
func (n *Node) acceptLoop(ln net.Listener) {
	defer n.wg.Done()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.inbound(conn)
		}()
	}
}

// inbound reads the hello of an inbound socket and gives the socket to
// the attempt its token names; a socket that comes before its
// introduction waits up to HandshakeTimeout for it.
func (n *Node) inbound(conn net.Conn) {
	conn.SetDeadline(time.Now().Add(n.cfg.HandshakeTimeout))
	br := bufio.NewReaderSize(conn, linkBuffer)
	f, err := proto.ReadFrame(br, nil)
	h, ok := f.(*proto.LinkHello)
	if err != nil || !ok {
		conn.Close()
		return
	}
	c := &candidate{conn: conn, r: br, hello: h}
	n.mu.Lock()
	a := n.attempts[h.Token]
	if a == nil {
		if n.closed {
			n.mu.Unlock()
			conn.Close()
			return
		}
		n.early[h.Token] = append(n.early[h.Token], c)
		n.mu.Unlock()
		time.AfterFunc(n.cfg.HandshakeTimeout, func() { n.dropEarly(h.Token, c) })
		return
	}
	n.mu.Unlock()
	a.inbound(c)
}

func (n *Node) dropEarly(tok proto.Token, c *candidate) {
	n.mu.Lock()
	defer n.mu.Unlock()
	list := n.early[tok]
	i := slices.Index(list, c)
	if i < 0 {
		return
	}
	c.conn.Close()
	if list = slices.Delete(list, i, i+1); len(list) == 0 {
		delete(n.early, tok)
	} else {
		n.early[tok] = list
	}
}
