package node

// SetFailDirect makes every direct dial and inbound direct socket of n
// fail (fail true), as behind a NAT that no hole punching gets through.
func SetFailDirect(n *Node, fail bool) { n.failDirect.Store(fail) }
