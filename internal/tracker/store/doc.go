// Package store persists the tracker's swarm state (see package registry) so
// that swarms survive a restart.
//
// A [Store] loads every swarm once at start-up and then receives batches of
// changes: the latest state of each peer entry touched since the previous
// batch, and how much each torrent's completed count grew. The tracker
// collects these batches in the background, so an announce never waits for
// the store.
//
// [Bolt] keeps the state in a bbolt file, DIR/tracker.db; each batch is one
// transaction (one fsync).
//
// [Redis] keeps it in a Redis database shared by several tracker processes,
// so that they serve one swarm view: a hash per swarm (peer endpoint to
// compact record, plus the completed count) and a set of swarms. Each batch
// is applied by a script in one round trip and published on a pub/sub
// channel; as a [Follower], every process merges what the others publish.
// States of a peer are ordered by last-seen time and removals carry the time
// they cover, so that processes expiring peers on their own, or a late
// batch, never undo a newer announce made elsewhere.
//
// A peer's rendezvous contact (registry.Rendezvous) is kept in its record
// behind a flag, so records without one are unchanged (see record.go).
// Change messages carry such longer records as 'R' entries, which a tracker
// built before them refuses: upgrade every process sharing a Redis store
// before peers announce contacts.
package store
