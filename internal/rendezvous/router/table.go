package router

import "shoal/internal/rendezvous/proto"

// table maps the IDs of this router's own peers to their sessions. A
// lookup is one map access.
type table map[proto.ID]*session

func (t table) lookup(id proto.ID) *session { return t[id] }
