package proto

// Lookup asks a federated router whether Target is one of its peers.
type Lookup struct {
	Query  uint64
	Target ID
}

func (*Lookup) Type() Type { return TypeLookup }

func (f *Lookup) appendBody(b []byte) []byte {
	return append(appendU64(b, f.Query), f.Target[:]...)
}

func parseLookup(p *parser) *Lookup {
	f := &Lookup{Query: p.u64()}
	p.copyTo(f.Target[:])
	return f
}

// LookupReply answers a Lookup.
type LookupReply struct {
	Query  uint64
	Target ID
	Found  bool
}

func (*LookupReply) Type() Type { return TypeLookupReply }

func (f *LookupReply) appendBody(b []byte) []byte {
	return appendBool(append(appendU64(b, f.Query), f.Target[:]...), f.Found)
}

func parseLookupReply(p *parser) *LookupReply {
	f := &LookupReply{Query: p.u64()}
	p.copyTo(f.Target[:])
	f.Found = p.boolean()
	return f
}
