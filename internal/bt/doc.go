// Package bt holds the small identifiers shared by every layer of shoal:
// the info hash and peer id of BEP 3, and the block size used on the wire.
package bt
