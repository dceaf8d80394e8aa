package store

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"shoal/internal/bt"
	"shoal/internal/tracker/registry"
)

// Redis key layout, under RedisConfig.Prefix (P):
//
//	P swarms            set: the 20-byte info hash of every stored swarm
//	P swarm:<hex hash>  hash: one field per peer, endpoint (16-byte IP,
//	                    2-byte port) -> peer value (54 bytes, record.go);
//	                    and the field "c" -> the completed count, in decimal
//	P changes:<db>      pub/sub channel of change messages (redis_message.go)
//
// With values this small, the hash of a swarm of up to 128 peers stays in
// Redis's compact listpack encoding. Pub/sub channels are shared by every
// database of a server, hence the database number in the channel name.
// Scripts touch several swarms at once: Redis Cluster is not supported.
//
// Several trackers write the same peers. The apply script orders the states
// of a peer by last-seen time, and a removal carries the time it covers (see
// registry.PeerChange), so that a tracker expiring or dropping a peer does
// not delete a newer announce made to another tracker; see redis_apply.lua.
const (
	// DefaultRedisPrefix is the prefix of the store's keys unless
	// RedisConfig.Prefix says otherwise.
	DefaultRedisPrefix = "shoal:tracker:"

	endpointLen    = peerKeyLen - 20
	completedField = "c"

	// applyChunk is the number of changes one apply script handles; a
	// batch is split into chunks sent in one pipeline.
	applyChunk = 512
	// scanSwarms is how many swarms Load reads per round trip, and
	// scanPeers the COUNT hint of each HSCAN.
	scanSwarms = 256
	scanPeers  = 512
)

//go:embed redis_apply.lua
var applyScript string

// RedisConfig configures a Redis store. The zero value is usable.
type RedisConfig struct {
	// Prefix is prepended to every key and channel name (default
	// DefaultRedisPrefix). Trackers that share a prefix and a database
	// share their swarms.
	Prefix string

	// Now is the clock (default time.Now); Follow compares it with the
	// last-seen times of peers when it catches up after a lost
	// subscription.
	Now func() time.Time

	// Logger receives warnings about malformed data and lost
	// subscriptions; nil discards.
	Logger *slog.Logger
}

// Redis is a Store and Follower in a Redis database, shared by any number of
// tracker processes. Each Apply is published; Follow merges what the other
// processes publish. It is safe for concurrent use.
type Redis struct {
	rdb     *redis.Client
	where   string // address and database, for messages
	log     *slog.Logger
	now     func() time.Time
	writer  writerID
	prefix  string
	swarms  string
	channel string

	mu        sync.Mutex
	closed    bool
	following bool
	loadSub   *redis.PubSub // subscribed by Load, handed to Follow
	sub       *redis.PubSub // in use by Follow
	// totals holds, per torrent, the completed count in Redis up to which
	// this process has counted, so that Follow turns published totals into
	// the deltas it has not counted yet. While Follow catches up after a
	// lost subscription, own sums the increments this process applied.
	totals map[bt.InfoHash]uint64
	own    map[bt.InfoHash]uint64

	// applyMu is held shared by Apply and exclusively by a catch-up.
	applyMu sync.RWMutex
}

var (
	_ Store    = (*Redis)(nil)
	_ Follower = (*Redis)(nil)
)

// OpenRedis connects to the Redis server of rawURL, redis://[user:password@]
// host[:port][/db] or rediss:// for TLS (see go-redis ParseURL for the query
// options), and checks that it answers.
func OpenRedis(ctx context.Context, rawURL string, cfg RedisConfig) (*Redis, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: redis url: %w", err)
	}
	// A reply lost after the server ran a script must not make the client
	// run it again: completed counts would be added twice.
	opt.MaxRetries = -1
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultRedisPrefix
	}
	r := &Redis{
		rdb:     redis.NewClient(opt),
		where:   fmt.Sprintf("%s db %d", opt.Addr, opt.DB),
		log:     cfg.Logger,
		now:     cfg.Now,
		prefix:  cfg.Prefix,
		swarms:  cfg.Prefix + "swarms",
		channel: cfg.Prefix + "changes:" + strconv.Itoa(opt.DB),
		totals:  make(map[bt.InfoHash]uint64),
	}
	if _, err := rand.Read(r.writer[:]); err != nil {
		_ = r.rdb.Close()
		return nil, fmt.Errorf("store: redis writer id: %w", err)
	}
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		_ = r.rdb.Close()
		return nil, r.errorf("connect", err)
	}
	return r, nil
}

func (r *Redis) errorf(what string, err error) error {
	return fmt.Errorf("store: redis %s: %s: %w", r.where, what, err)
}

func (r *Redis) swarmKey(h bt.InfoHash) string {
	return r.prefix + "swarm:" + hex.EncodeToString(h[:])
}

// Load implements Store. It subscribes to the change channel before it
// reads, so that a Follow started after Load misses nothing; the changes
// made meanwhile are merged by that Follow. Malformed records are skipped
// and logged.
func (r *Redis) Load(ctx context.Context) ([]registry.SwarmState, error) {
	if err := r.subscribeForLoad(ctx); err != nil {
		return nil, err
	}
	var out []registry.SwarmState
	err := r.scan(ctx, func(chunk []registry.SwarmState) {
		out = append(out, chunk...)
	})
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	for _, st := range out {
		if st.Completed > r.totals[st.InfoHash] {
			r.totals[st.InfoHash] = st.Completed
		}
	}
	r.mu.Unlock()
	return out, nil
}

func (r *Redis) subscribeForLoad(ctx context.Context) error {
	r.mu.Lock()
	have := r.loadSub != nil || r.following
	r.mu.Unlock()
	if have {
		return nil
	}
	sub, err := r.subscribe(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.loadSub != nil || r.following {
		_ = sub.Close()
		return nil
	}
	r.loadSub = sub
	return nil
}

// scan reads every stored swarm and hands them to fn a chunk at a time.
func (r *Redis) scan(ctx context.Context, fn func([]registry.SwarmState)) error {
	seen := make(map[bt.InfoHash]struct{})
	bad := 0
	var cursor uint64
	for {
		members, next, err := r.rdb.SScan(ctx, r.swarms, cursor, "", scanSwarms).Result()
		if err != nil {
			return r.errorf("load", err)
		}
		hashes := make([]bt.InfoHash, 0, len(members))
		for _, m := range members {
			if len(m) != len(bt.InfoHash{}) {
				bad++
				continue
			}
			h := bt.InfoHash([]byte(m))
			if _, dup := seen[h]; dup {
				continue // SSCAN may return a member twice
			}
			seen[h] = struct{}{}
			hashes = append(hashes, h)
		}
		states, n, err := r.readSwarms(ctx, hashes)
		if err != nil {
			return r.errorf("load", err)
		}
		bad += n
		if len(states) > 0 {
			fn(states)
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	if bad > 0 {
		r.log.Warn("store: skipped malformed records", "count", bad)
	}
	return nil
}

// readSwarms reads the given swarms with pipelined HSCANs; it returns them
// (without the empty ones) and the number of malformed records skipped.
func (r *Redis) readSwarms(ctx context.Context, hashes []bt.InfoHash) ([]registry.SwarmState, int, error) {
	type pending struct {
		i      int
		cursor uint64
		seen   map[string]struct{} // fields read in earlier rounds
	}
	states := make([]registry.SwarmState, len(hashes))
	todo := make([]pending, len(hashes))
	for i, h := range hashes {
		states[i].InfoHash = h
		todo[i] = pending{i: i}
	}
	bad := 0
	for len(todo) > 0 {
		pipe := r.rdb.Pipeline()
		cmds := make([]*redis.ScanCmd, len(todo))
		for j, p := range todo {
			cmds[j] = pipe.HScan(ctx, r.swarmKey(hashes[p.i]), p.cursor, "", scanPeers)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, 0, err
		}
		next := todo[:0]
		for j, p := range todo {
			kv, cursor := cmds[j].Val()
			st := &states[p.i]
			for k := 0; k+1 < len(kv); k += 2 {
				field, value := kv[k], kv[k+1]
				if p.seen != nil {
					if _, dup := p.seen[field]; dup {
						continue // HSCAN may return a field twice
					}
					p.seen[field] = struct{}{}
				}
				if field == completedField {
					n, err := strconv.ParseUint(value, 10, 64)
					if err != nil {
						bad++
						continue
					}
					st.Completed = n
					continue
				}
				peer, err := parseRedisPeer(st.InfoHash, field, value)
				if err != nil {
					bad++
					continue
				}
				st.Peers = append(st.Peers, peer)
			}
			if cursor != 0 {
				p.cursor = cursor
				if p.seen == nil {
					p.seen = make(map[string]struct{})
					for _, q := range st.Peers {
						p.seen[string(appendPeerKey(nil, st.InfoHash, q.Addr)[20:])] = struct{}{}
					}
					p.seen[completedField] = struct{}{}
				}
				next = append(next, p)
			}
		}
		todo = next
	}
	out := states[:0]
	for _, st := range states {
		if len(st.Peers) > 0 || st.Completed > 0 {
			out = append(out, st)
		}
	}
	return out, bad, nil
}

// parseRedisPeer decodes one field and value of a swarm hash.
func parseRedisPeer(h bt.InfoHash, field, value string) (registry.Peer, error) {
	if len(field) != endpointLen || len(value) < peerValueLen || len(value) > maxPeerValueLen {
		return registry.Peer{}, fmt.Errorf("%w: peer field %d/%d bytes", errRecord, len(field), len(value))
	}
	var k [peerKeyLen]byte
	copy(k[:20], h[:])
	copy(k[20:], field)
	_, addr, err := parsePeerKey(k[:])
	if err != nil {
		return registry.Peer{}, err
	}
	return parsePeerValue([]byte(value), addr)
}

// Apply implements Store. The batch is split into chunks of changes, each
// applied atomically by a script that also publishes what it changed; all
// chunks go in one round trip. If Apply fails, some chunks may have been
// applied. A removal with a last-seen time deletes the peer only if it was
// not seen later (by another tracker); one without deletes it in any case.
func (r *Redis) Apply(ctx context.Context, b registry.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return r.errorf("apply", err)
	}
	pipe := r.rdb.Pipeline()
	var keys []string
	var args []any
	type chunk struct {
		cmd  *redis.Cmd
		done []registry.CompletedChange
	}
	var chunks []chunk
	var done []registry.CompletedChange
	start := func() {
		keys = append(make([]string, 0, 1+applyChunk), r.swarms)
		args = append(make([]any, 0, 2+applyChunk), r.writer[:], r.channel)
		done = nil
	}
	send := func() {
		if len(keys) > 1 {
			chunks = append(chunks, chunk{cmd: pipe.Eval(ctx, applyScript, keys, args...), done: done})
		}
		start()
	}
	add := func(h bt.InfoHash, change []byte) {
		keys = append(keys, r.swarmKey(h))
		args = append(args, change)
		if len(keys) > applyChunk {
			send()
		}
	}
	start()
	for _, c := range b.Peers {
		var v []byte
		if c.Removed {
			v = append(make([]byte, 0, 1+peerKeyLen+8), kindRemove)
			v = appendPeerKey(v, c.InfoHash, c.Peer.Addr)
			if until := c.Peer.LastSeen; !until.IsZero() && until.UnixNano() > 0 {
				v = binary.BigEndian.AppendUint64(v, uint64(until.UnixNano()))
			}
		} else {
			v = append(make([]byte, 0, 1+peerKeyLen+peerValueLen+rendezvousLen+len(c.Peer.Rendezvous.Router)), kindPut)
			v = appendPeerKey(v, c.InfoHash, c.Peer.Addr)
			v = appendPeerValue(v, c.Peer)
		}
		add(c.InfoHash, v)
	}
	for _, c := range b.Completed {
		if c.Delta == 0 {
			continue
		}
		if c.Delta > 1<<53 {
			return r.errorf("apply", fmt.Errorf("completed delta %d too large", c.Delta))
		}
		v := append(make([]byte, 0, 1+20+20), kindCompleted)
		v = append(v, c.InfoHash[:]...)
		v = strconv.AppendUint(v, c.Delta, 10)
		done = append(done, c)
		add(c.InfoHash, v)
	}
	send()
	r.applyMu.RLock()
	defer r.applyMu.RUnlock()
	_, err := pipe.Exec(ctx)
	r.mu.Lock()
	if r.own != nil {
		for _, c := range chunks {
			if c.cmd.Err() == nil {
				for _, d := range c.done {
					r.own[d.InfoHash] += d.Delta
				}
			}
		}
	}
	r.mu.Unlock()
	if err != nil {
		return r.errorf("apply", err)
	}
	return nil
}

// Close implements Store. It ends a Follow in progress. Closing twice is
// harmless.
func (r *Redis) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	subs := []*redis.PubSub{r.loadSub, r.sub}
	r.loadSub, r.sub = nil, nil
	r.mu.Unlock()
	for _, s := range subs {
		if s != nil {
			_ = s.Close()
		}
	}
	if err := r.rdb.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
		return r.errorf("close", err)
	}
	return nil
}
