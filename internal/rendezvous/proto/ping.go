package proto

// Ping asks for a Pong with the same Seq; it keeps NAT mappings open and
// measures round trips.
type Ping struct{ Seq uint64 }

func (*Ping) Type() Type                   { return TypePing }
func (f *Ping) appendBody(b []byte) []byte { return appendU64(b, f.Seq) }

// Pong answers a Ping.
type Pong struct{ Seq uint64 }

func (*Pong) Type() Type                   { return TypePong }
func (f *Pong) appendBody(b []byte) []byte { return appendU64(b, f.Seq) }
