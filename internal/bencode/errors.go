package bencode

import "fmt"

// Error describes malformed input, or a value that does not fit its Go
// destination, at a byte offset of the input.
type Error struct {
	Offset int   // byte offset in the input where the problem was found
	Err    error // what went wrong
}

func (e *Error) Error() string {
	return fmt.Sprintf("bencode: offset %d: %v", e.Offset, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

func errorAt(off int, format string, args ...any) error {
	return &Error{Offset: off, Err: fmt.Errorf(format, args...)}
}
