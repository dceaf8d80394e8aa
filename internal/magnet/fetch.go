package magnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"shoal/internal/bt"
	"shoal/internal/peerconn"
	"shoal/internal/tracker/client"
	"shoal/internal/wire"
)

// Fetch limits.
const (
	peerTimeout    = 30 * time.Second
	maxWorkers     = 8
	announceEvery  = 30 * time.Second
	ourMetadataExt = 1
)

// Config says where to look for the metadata.
type Config struct {
	InfoHash bt.InfoHash
	PeerID   bt.PeerID
	// Port is announced to trackers and in the extension handshake.
	Port     int
	Trackers [][]string
	Peers    []netip.AddrPort
	// Dial opens a TCP connection to a peer.
	Dial    func(ctx context.Context, addr netip.AddrPort) (net.Conn, error)
	Tracker *client.Client
	Logger  *slog.Logger
}

// Fetch returns the info dictionary of cfg.InfoHash, verified against it.
// It keeps looking for peers until it succeeds or ctx ends.
func Fetch(ctx context.Context, cfg Config) ([]byte, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)

	var (
		mu      sync.Mutex
		seen    = make(map[netip.AddrPort]bool)
		queue   []netip.AddrPort
		lastErr error
		result  []byte
		wake    = make(chan struct{}, 1)
		running int
	)
	add := func(addrs []netip.AddrPort) {
		mu.Lock()
		for _, a := range addrs {
			a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
			if a.IsValid() && a.Port() != 0 && !seen[a] {
				seen[a] = true
				queue = append(queue, a)
			}
		}
		mu.Unlock()
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	add(cfg.Peers)
	var wg sync.WaitGroup
	if len(cfg.Trackers) > 0 && cfg.Tracker != nil {
		wg.Go(func() {
			tiers := client.NewTiers(cfg.Trackers, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
			for {
				_, resp, err := tiers.Announce(ctx, cfg.Tracker, client.Request{
					InfoHash: cfg.InfoHash, PeerID: cfg.PeerID, Port: uint16(cfg.Port),
					Left: 1, Event: client.Started, NumWant: 50,
				})
				if err != nil {
					log.Debug("magnet: announce", "err", err)
					mu.Lock()
					if lastErr == nil {
						lastErr = err
					}
					mu.Unlock()
				} else {
					add(resp.Peers)
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(announceEvery):
				}
			}
		})
	}
	defer func() {
		cancel()
		wg.Wait()
	}()
	for {
		mu.Lock()
		if result != nil {
			mu.Unlock()
			return result, nil
		}
		for running < maxWorkers && len(queue) > 0 {
			a := queue[0]
			queue = queue[1:]
			running++
			wg.Go(func() {
				data, err := fetchFrom(ctx, cfg, a)
				mu.Lock()
				running--
				if err == nil && result == nil {
					result = data
				} else if err != nil && !errors.Is(err, context.Canceled) {
					log.Debug("magnet: peer", "addr", a, "err", err)
					lastErr = err
				}
				mu.Unlock()
				select {
				case wake <- struct{}{}:
				default:
				}
			})
		}
		mu.Unlock()
		select {
		case <-ctx.Done():
			mu.Lock()
			err := lastErr
			mu.Unlock()
			if err != nil {
				return nil, fmt.Errorf("magnet: no peer sent the metadata (last error: %w)", err)
			}
			return nil, fmt.Errorf("magnet: no peer sent the metadata: %w", ctx.Err())
		case <-wake:
		}
	}
}

// fetchFrom downloads the whole metadata from one peer.
func fetchFrom(ctx context.Context, cfg Config, addr netip.AddrPort) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	nc, err := cfg.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	theirs, err := peerconn.Initiate(nc, wire.Handshake{
		Reserved: wire.NewReserved(true, true, false),
		InfoHash: cfg.InfoHash,
		PeerID:   cfg.PeerID,
	})
	if err != nil {
		return nil, err
	}
	if !theirs.Reserved.Extended() {
		return nil, errors.New("magnet: peer does not support the extension protocol")
	}
	hs, err := wire.ExtHandshake{M: map[string]int{wire.ExtMetadata: ourMetadataExt}, V: "shoal " + bt.Version, P: cfg.Port}.Marshal()
	if err != nil {
		return nil, err
	}
	if _, err := nc.Write(wire.AppendExtended(nil, 0, hs)); err != nil {
		return nil, fmt.Errorf("magnet: %w", err)
	}
	if err := nc.SetDeadline(time.Now().Add(peerTimeout)); err != nil {
		return nil, err
	}
	r := wire.NewReader(nc, wire.DefaultMaxLen)
	var asm *assembler
	for {
		m, err := r.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("magnet: peer closed the connection")
			}
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return nil, err
		}
		if m.Keepalive || m.ID != wire.Extended {
			continue
		}
		switch {
		case m.ExtID == 0 && asm == nil:
			h, err := wire.ParseExtHandshake(m.Payload)
			if err != nil {
				return nil, err
			}
			id, ok := h.ExtID(wire.ExtMetadata)
			if !ok || h.MetadataSize <= 0 {
				return nil, errors.New("magnet: peer does not offer the metadata")
			}
			if asm, err = newAssembler(cfg.InfoHash, h.MetadataSize); err != nil {
				return nil, err
			}
			var out []byte
			for i := range asm.pieces() {
				out = wire.AppendExtended(out, id, wire.AppendMetadata(nil, wire.Metadata{Type: wire.MetadataRequest, Piece: i}))
			}
			if _, err := nc.Write(out); err != nil {
				return nil, fmt.Errorf("magnet: %w", err)
			}
		case m.ExtID == ourMetadataExt && asm != nil:
			md, err := wire.ParseMetadata(m.Payload)
			if err != nil {
				return nil, err
			}
			switch md.Type {
			case wire.MetadataReject:
				return nil, fmt.Errorf("magnet: peer rejected metadata piece %d", md.Piece)
			case wire.MetadataData:
				done, err := asm.add(md)
				if err != nil {
					return nil, err
				}
				if done {
					return asm.verify()
				}
			}
		}
	}
}
