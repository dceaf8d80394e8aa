package pairbench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
)

// Sides of a pair.
const (
	SideA = 'a' // dials
	SideB = 'b' // answers
)

// Key is the key of peer i of side (SideA or SideB) for seed. Anyone who
// knows the seed knows the key: it is for benchmarks only.
func Key(seed uint64, side byte, i int) ed25519.PrivateKey {
	var b [8 + 1 + 8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	b[8] = side
	binary.BigEndian.PutUint64(b[9:], uint64(i))
	s := sha256.Sum256(append([]byte("shoal pairbench key "), b[:]...))
	return ed25519.NewKeyFromSeed(s[:])
}

// ID is the ID of Key(seed, side, i).
func ID(seed uint64, side byte, i int) proto.ID { return proto.KeyID(Key(seed, side, i)) }

// peers is one side's nodes, running until stop.
type peers struct {
	nodes  []*node.Node
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startPeers runs cfg.Pairs nodes of side at router and waits until all
// are registered.
func startPeers(ctx context.Context, cfg *Config, side byte, router string, hosts []netip.Addr) (*peers, error) {
	ctx, cancel := context.WithCancel(ctx)
	p := &peers{nodes: make([]*node.Node, cfg.Pairs), cancel: cancel}
	for i := range p.nodes {
		n, err := node.New(node.Config{
			Key: Key(cfg.Seed, side, i), Router: router,
			Listen:      netip.AddrPortFrom(hosts[i%len(hosts)], 0).String(),
			StepTimeout: cfg.StepTimeout, ConnectTimeout: cfg.ConnectTimeout,
			Logger: cfg.Logger,
		})
		if err != nil {
			p.stop()
			return nil, fmt.Errorf("pairbench: %w", err)
		}
		p.nodes[i] = n
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			if err := n.Run(ctx); err != nil {
				cfg.Logger.Warn("pairbench: node", "side", string(side), "index", i, "err", err)
			}
		}()
	}
	rctx, rcancel := context.WithTimeout(ctx, 30*time.Second+time.Duration(cfg.Pairs)*10*time.Millisecond)
	defer rcancel()
	var errs []error
	for i, n := range p.nodes {
		if err := n.Ready(rctx); err != nil {
			errs = append(errs, fmt.Errorf("pairbench: peer %c%d at %s not registered: %w", side, i, router, err))
			break
		}
	}
	if err := errors.Join(errs...); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// stop ends every node and waits for them.
func (p *peers) stop() {
	p.cancel()
	p.wg.Wait()
}
