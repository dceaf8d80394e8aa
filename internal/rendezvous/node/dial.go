package node

import (
	"context"
	"fmt"
	"time"

	"shoal/internal/rendezvous/proto"
)

// ConnectError is a connect the routers refused or could not complete.
type ConnectError struct {
	Target proto.ID
	Code   proto.Code
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("node: connect %s: %v", e.Target, e.Code)
}

// Dial makes a link to the peer id.
func (n *Node) Dial(ctx context.Context, id proto.ID) (*Link, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ConnectTimeout)
	defer cancel()
	intro, err := n.introduce(ctx, id, proto.Token{})
	if err != nil {
		return nil, err
	}
	c, err := n.newAttempt(intro, start).run(ctx)
	if err != nil {
		return nil, err
	}
	l := newLink(n, c, id, intro.Token, time.Since(start))
	if c.via == 0 {
		n.trackRelayed(l, true)
	}
	return l, nil
}

// introduce asks the router to introduce this node to id; upgrade names
// the relayed link the introduction would replace, if any.
func (n *Node) introduce(ctx context.Context, id proto.ID, upgrade proto.Token) (*proto.Introduce, error) {
	c, err := n.control(ctx)
	if err != nil {
		return nil, err
	}
	ch := make(chan proto.Frame, 1)
	n.mu.Lock()
	n.nextReq++
	req := n.nextReq
	c.pending[req] = ch
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		delete(c.pending, req)
		n.mu.Unlock()
	}()
	if err := c.send(&proto.ConnectRequest{Req: req, Target: id, Upgrade: upgrade}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoRouter, err)
	}
	var f proto.Frame
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("node: connect %s: %w", id, ctx.Err())
	case <-c.dead:
		return nil, ErrNoRouter
	case f = <-ch:
	}
	switch f := f.(type) {
	case *proto.ConnectFail:
		return nil, &ConnectError{Target: id, Code: f.Code}
	case *proto.Introduce:
		if f.Peer != id {
			return nil, fmt.Errorf("node: connect %s: router introduced %s", id, f.Peer)
		}
		return f, nil
	}
	return nil, fmt.Errorf("node: connect %s: unexpected %T", id, f)
}

// Accept waits for a link that another peer made to this node.
func (n *Node) Accept(ctx context.Context) (*Link, error) {
	select {
	case l := <-n.accepted:
		return l, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-n.stopped:
		return nil, ErrClosed
	}
}
