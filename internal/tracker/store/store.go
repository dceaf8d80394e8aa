package store

import (
	"context"

	"shoal/internal/tracker/registry"
)

// Store is where the tracker keeps its swarms between runs.
// Implementations must be safe for concurrent use.
type Store interface {
	// Load returns every stored swarm. Peers keep their last-seen times, so
	// that peers which stopped announcing still expire on schedule.
	Load(ctx context.Context) ([]registry.SwarmState, error)

	// Apply persists a batch of changes: each PeerChange replaces or removes
	// one entry, each CompletedChange adds to a completed count.
	Apply(ctx context.Context, b registry.Batch) error

	// Close releases the store.
	Close() error
}

// Follower is implemented by stores shared by several tracker processes.
// Follow calls apply with the changes other processes make, until ctx is
// done or the store fails. Changes this process applied itself may be
// delivered too; merging them is harmless.
type Follower interface {
	Follow(ctx context.Context, apply func(registry.Batch)) error
}
