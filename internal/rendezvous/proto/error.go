package proto

import "fmt"

// Error reports why the sender is about to close the connection.
type Error struct {
	Code Code
	Text string // at most MaxText bytes
}

func (*Error) Type() Type { return TypeError }

func (f *Error) Error() string { return fmt.Sprintf("proto: remote: %v: %s", f.Code, f.Text) }

func (f *Error) appendBody(b []byte) []byte {
	return appendStr16(append(b, byte(f.Code)), f.Text)
}

func parseError(p *parser) *Error {
	f := &Error{Code: Code(p.u8()), Text: p.str16()}
	if len(f.Text) > MaxText {
		p.bad = true
	}
	return f
}
