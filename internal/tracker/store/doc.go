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
// transaction (one fsync). A store shared by several tracker processes, such
// as Redis, can also implement [Follower] so that each process merges the
// changes the others make.
package store
