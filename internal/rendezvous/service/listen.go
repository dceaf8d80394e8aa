package service

import (
	"context"
	"sync"

	"shoal/internal/rendezvous/node"
)

// ServeNode accepts links on n and serves each with s until ctx ends.
func ServeNode(ctx context.Context, n *node.Node, s *Server) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		l, err := n.Accept(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer l.Close()
			stop := context.AfterFunc(ctx, func() { l.Close() })
			defer stop()
			if err := s.Serve(l, l.RemoteID().String()); err != nil && s.Logger != nil {
				s.Logger.Debug("service: link ended", "peer", l.RemoteID(), "kind", l.Kind(), "err", err)
			}
		}()
	}
}
