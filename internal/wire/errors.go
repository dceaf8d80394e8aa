package wire

import (
	"errors"
	"fmt"
	"io"
)

// ErrProtocol is wrapped by every error that reports a peer breaking the
// protocol, as opposed to an I/O error.
var ErrProtocol = errors.New("wire: protocol violation")

var (
	// ErrTooLong reports a message whose length prefix exceeds the limit.
	ErrTooLong = fmt.Errorf("%w: message too long", ErrProtocol)
	// ErrBadLength reports a message whose length does not fit its ID.
	ErrBadLength = fmt.Errorf("%w: bad message length", ErrProtocol)
	// ErrBadHandshake reports a handshake for another protocol.
	ErrBadHandshake = fmt.Errorf("%w: bad handshake", ErrProtocol)
)

// noEOF turns io.EOF into io.ErrUnexpectedEOF, for reads that continue
// something already begun.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
