package pairbench

import (
	"context"
	"fmt"
	"net"
	"sync"

	"shoal/internal/rendezvous/proto"
	"shoal/internal/rendezvous/router"
)

// localRouters are two federated routers on loopback.
type localRouters struct {
	a, b         *router.Router
	addrA, addrB string
	cancel       context.CancelFunc
	wg           sync.WaitGroup
}

// startRouters starts router b, then router a federated with it, each on
// a free loopback port, with limits that let every benchmark peer in.
func startRouters(ctx context.Context, cfg *Config) (*localRouters, error) {
	lim := router.DefaultLimits
	lim.RegisterRate, lim.RegisterBurst = 1e6, 1e6
	lim.PerIP = 1e6
	lim.Handshakes = 1e5
	ka, kb := Key(cfg.Seed, 'R', 0), Key(cfg.Seed, 'R', 1)
	ca := router.Config{Key: ka, Cluster: "a", Limits: lim, Relay: true, Logger: cfg.Logger}
	cb := router.Config{Key: kb, Cluster: "b", Limits: lim, Relay: true, Logger: cfg.Logger,
		Accept: []proto.ID{proto.KeyID(ka)}}
	ctx, cancel := context.WithCancel(ctx)
	lr := &localRouters{cancel: cancel}
	serve := func(c router.Config, addr *string) (*router.Router, error) {
		r, err := router.New(c)
		if err != nil {
			return nil, err
		}
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		*addr = ln.Addr().String()
		lr.wg.Add(1)
		go func() {
			defer lr.wg.Done()
			if err := r.Serve(ctx, ln); err != nil {
				cfg.Logger.Warn("pairbench: router", "cluster", c.Cluster, "err", err)
			}
		}()
		return r, nil
	}
	var err error
	if lr.b, err = serve(cb, &lr.addrB); err == nil {
		ca.Federate = []router.Remote{{ID: lr.b.ID(), Addr: lr.addrB}}
		lr.a, err = serve(ca, &lr.addrA)
	}
	if err != nil {
		lr.stop()
		return nil, fmt.Errorf("pairbench: routers: %w", err)
	}
	return lr, nil
}

func (lr *localRouters) stop() {
	lr.cancel()
	lr.wg.Wait()
}
