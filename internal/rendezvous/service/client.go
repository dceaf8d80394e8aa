package service

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// Client sends requests over one link, one at a time.
type Client struct {
	rw  io.ReadWriter
	br  *bufio.Reader
	seq uint64
}

// NewClient wraps a link.
func NewClient(rw io.ReadWriter) *Client {
	return &Client{rw: rw, br: bufio.NewReader(rw)}
}

// ErrRefused is a request the server refused; the text follows.
var ErrRefused = errors.New("service: refused")

func (c *Client) reply(want Kind) (Frame, error) {
	f, err := ReadFrame(c.br)
	if err != nil {
		return Frame{}, fmt.Errorf("service: reply: %w", err)
	}
	if f.Seq != c.seq {
		return Frame{}, fmt.Errorf("%w: reply to %d, want %d", ErrMalformed, f.Seq, c.seq)
	}
	switch f.Kind {
	case want:
		return f, nil
	case KindFail:
		return Frame{}, fmt.Errorf("%w: %s", ErrRefused, f.Payload)
	}
	return Frame{}, fmt.Errorf("%w: reply kind %d", ErrMalformed, f.Kind)
}

// Message sends text and returns the server's reply.
func (c *Client) Message(text string) (string, error) {
	if len(text) > MaxPayload {
		return "", ErrTooLarge
	}
	c.seq++
	if _, err := c.rw.Write(AppendFrame(nil, Frame{Kind: KindMessage, Seq: c.seq, Payload: []byte(text)})); err != nil {
		return "", fmt.Errorf("service: %w", err)
	}
	f, err := c.reply(KindReply)
	if err != nil {
		return "", err
	}
	return string(f.Payload), nil
}

// SendFile sends size bytes of r under name and checks the receipt.
func (c *Client) SendFile(name string, r io.Reader, size int64) (Receipt, error) {
	if name == "" || len(name) > 255 {
		return Receipt{}, fmt.Errorf("service: bad file name %q", name)
	}
	c.seq++
	if _, err := c.rw.Write(AppendFrame(nil, Frame{Kind: KindFile, Seq: c.seq, Payload: fileHeader(size, name)})); err != nil {
		return Receipt{}, fmt.Errorf("service: %w", err)
	}
	h := sha256.New()
	if _, err := io.CopyN(c.rw, io.TeeReader(r, h), size); err != nil {
		return Receipt{}, fmt.Errorf("service: send %s: %w", name, err)
	}
	f, err := c.reply(KindReceipt)
	if err != nil {
		return Receipt{}, err
	}
	rc, err := parseReceipt(f.Payload)
	if err != nil {
		return Receipt{}, err
	}
	if rc.Size != size || string(rc.SHA256[:]) != string(h.Sum(nil)) {
		return rc, fmt.Errorf("service: %s: receiver stored other bytes", name)
	}
	return rc, nil
}
