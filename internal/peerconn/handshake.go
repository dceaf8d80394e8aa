package peerconn

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"time"

	"shoal/internal/bt"
	"shoal/internal/wire"
)

// HandshakeTimeout bounds the whole handshake.
const HandshakeTimeout = 20 * time.Second

// ErrSelf is returned when a connection reaches ourselves.
var ErrSelf = errors.New("peerconn: connected to ourselves")

// ErrUnknownTorrent is returned when an incoming peer asks for a torrent we
// do not serve.
var ErrUnknownTorrent = errors.New("peerconn: peer asked for an unknown torrent")

// Initiate performs the handshake on an outgoing connection: it sends ours
// and expects the same info hash back.
func Initiate(c net.Conn, ours wire.Handshake) (wire.Handshake, error) {
	if err := c.SetDeadline(time.Now().Add(HandshakeTimeout)); err != nil {
		return wire.Handshake{}, fmt.Errorf("peerconn: %w", err)
	}
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(ours.AppendTo(make([]byte, 0, wire.HandshakeLen))); err != nil {
		return wire.Handshake{}, fmt.Errorf("peerconn: send handshake: %w", err)
	}
	theirs, err := wire.ReadHandshake(c)
	if err != nil {
		return theirs, fmt.Errorf("peerconn: read handshake: %w", err)
	}
	if theirs.InfoHash != ours.InfoHash {
		return theirs, fmt.Errorf("peerconn: peer answered for torrent %v, want %v", theirs.InfoHash, ours.InfoHash)
	}
	if theirs.PeerID == ours.PeerID {
		return theirs, ErrSelf
	}
	return theirs, nil
}

// Accept performs the handshake on an incoming connection. lookup maps the
// requested info hash to our handshake for it, or false if we do not serve
// that torrent.
func Accept(c net.Conn, lookup func(bt.InfoHash) (wire.Handshake, bool)) (ours, theirs wire.Handshake, err error) {
	if err := c.SetDeadline(time.Now().Add(HandshakeTimeout)); err != nil {
		return ours, theirs, fmt.Errorf("peerconn: %w", err)
	}
	defer c.SetDeadline(time.Time{})
	res, ih, err := wire.ReadHandshakeHead(c)
	if err != nil {
		return ours, theirs, fmt.Errorf("peerconn: read handshake: %w", err)
	}
	ours, ok := lookup(ih)
	if !ok {
		return ours, theirs, fmt.Errorf("%w %v", ErrUnknownTorrent, ih)
	}
	if _, err := c.Write(ours.AppendTo(make([]byte, 0, wire.HandshakeLen))); err != nil {
		return ours, theirs, fmt.Errorf("peerconn: send handshake: %w", err)
	}
	id, err := wire.ReadPeerID(c)
	if err != nil {
		return ours, theirs, fmt.Errorf("peerconn: read peer id: %w", err)
	}
	theirs = wire.Handshake{Reserved: res, InfoHash: ih, PeerID: id}
	if bytes.Equal(id[:], ours.PeerID[:]) {
		return ours, theirs, ErrSelf
	}
	return ours, theirs, nil
}
