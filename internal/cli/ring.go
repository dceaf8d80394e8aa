package cli

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"shoal/internal/ringlab"
)

const ringUsage = `Usage: shoal lab ring [flags]
       shoal lab ring owner --file F --listen ADDR --peers N [flags]
       shoal lab ring peer --index I --listen ADDR --owner ADDR --down ADDR --torrent T --dir DIR [flags]

The ring lab. An owner cuts a file into chunks (--chunk, at least one per
peer) and gives each of N peers a different share, chunk c to peer c mod N.
Then the peers form a ring: peer i fetches every chunk it lacks from peer
i-1 only, and serves peer i+1, until all have the whole file. Everything is
the BitTorrent peer wire protocol: the chunk list is a bitfield message kept
up to date with have messages, chunks are pieces fetched in 16 KiB blocks,
and each is checked against its SHA-1 from the owner's torrent.

Every node prints a line for each chunk, chunk list, list update (have) and
request it sends or receives, such as

  peer 2: recv chunk 7 from peer 1 (102400 B)
  peer 2: sent chunk-list to peer 3 (6/12 chunks)
  peer 2: recv request chunk 9 from peer 3

and each peer keeps DIR/peerI/summary.txt with the ids of the chunks it has
(and with --chunk-files each chunk as DIR/peerI/chunks/NNNN).

Without a role, the lab runs the owner and the peers as separate processes
of this program on loopback ports it picks, prints their lines as they come
and ends with a summary. With a role it runs one node, so that each can run
in its own terminal; start the owner first, since it writes the torrent:

  shoal lab ring owner --file F --chunk 100KB --listen 127.0.0.1:7000 --peers 3 --torrent ring.torrent
  shoal lab ring peer --index 0 --listen 127.0.0.1:7001 --owner 127.0.0.1:7000 --down 127.0.0.1:7003 --torrent ring.torrent --dir ring/peer0
  shoal lab ring peer --index 1 --listen 127.0.0.1:7002 --owner 127.0.0.1:7000 --down 127.0.0.1:7001 --torrent ring.torrent --dir ring/peer1
  shoal lab ring peer --index 2 --listen 127.0.0.1:7003 --owner 127.0.0.1:7000 --down 127.0.0.1:7002 --torrent ring.torrent --dir ring/peer2
`

// ringChildEnv marks the processes the ring lab starts. The program
// ignores it; this package's tests, which run such processes as their own
// test binary, look for it.
const ringChildEnv = "SHOAL_LAB_RING_CHILD"

// defaultChunk is the lab's chunk size: 100 KB.
const defaultChunk = 100 << 10

func runRing(ctx context.Context, e env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "owner":
			return runRingOwner(ctx, e, args[1:])
		case "peer":
			return runRingPeer(ctx, e, args[1:])
		}
	}
	fs := newFlagSet("lab ring", e, ringUsage)
	peers := fs.Int("peers", 5, "number of peers N")
	chunk := sizeFlag(defaultChunk)
	fs.Var(&chunk, "chunk", "chunk size")
	size := sizeFlag(1 << 20)
	fs.Var(&size, "size", "size of the file the lab makes when there is no --file")
	file := fs.String("file", "", "the file to pass around (default: a new file of --size random bytes)")
	dir := fs.String("dir", "", "folder for the torrent, the file and a folder per peer (default: a new temporary folder)")
	chunkFiles := fs.Bool("chunk-files", false, "also keep each chunk as its own file")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	if *peers < 2 || *peers > 1000 {
		return usagef("--peers must be from 2 to 1000")
	}
	if chunk < ringlab.MinChunk || chunk > ringlab.MaxChunk {
		return usagef("--chunk must be from %s to %s", formatBytes(ringlab.MinChunk), formatBytes(ringlab.MaxChunk))
	}
	if *file == "" && int64(size) < int64(*peers)*int64(chunk) {
		return usagef("--size %s gives fewer than one chunk per peer: want at least %s", formatBytes(int64(size)), formatBytes(int64(*peers)*int64(chunk)))
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("lab ring: %w", err)
	}
	cfg := ringRun{exe: exe, peers: *peers, chunk: int64(chunk), file: *file, dir: *dir, chunkFiles: *chunkFiles}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	return cfg.run(ctx, e, int64(size))
}

// ringRun is one run of the ring lab as separate processes.
type ringRun struct {
	exe        string
	peers      int
	chunk      int64
	file, dir  string
	chunkFiles bool
}

// ringNode is one process of a run and what it reported.
type ringNode struct {
	node      ringlab.Node
	cmd       *exec.Cmd
	start     time.Time
	elapsed   time.Duration
	fromOwner int
	fromRing  int
	down      ringlab.Node
	listening chan struct{}
	err       error
}

func (r *ringRun) run(ctx context.Context, e env, size int64) error {
	var err error
	if r.dir == "" {
		if r.dir, err = os.MkdirTemp("", "shoal-ring-"); err != nil {
			return fmt.Errorf("lab ring: %w", err)
		}
	} else if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return fmt.Errorf("lab ring: %w", err)
	}
	if r.file == "" {
		r.file = filepath.Join(r.dir, "owner", "ring.bin")
		if err := writeRingFile(r.file, size); err != nil {
			return err
		}
	}
	if r.file, err = filepath.Abs(r.file); err != nil {
		return fmt.Errorf("lab ring: %w", err)
	}
	fi, err := os.Stat(r.file)
	if err != nil {
		return fmt.Errorf("lab ring: %w", err)
	}
	if n := (fi.Size() + r.chunk - 1) / r.chunk; n < int64(r.peers) {
		return usagef("%s makes %d chunks of %s: want at least one per peer", r.file, n, formatBytes(r.chunk))
	}
	addrs, err := freePorts(r.peers + 1)
	if err != nil {
		return err
	}
	torrent := filepath.Join(r.dir, ringlab.TorrentName)
	fmt.Fprintf(e.stdout, "Ring lab: %s (%s) in chunks of %s, owner and %d peers as separate processes, folder %s\n",
		r.file, formatBytes(fi.Size()), formatBytes(r.chunk), r.peers, r.dir)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		outMu sync.Mutex
		seen  = map[ringlab.Kind]bool{}
		wg    sync.WaitGroup
	)
	ownerArgs := []string{"owner", "--file", r.file, "--chunk", strconv.FormatInt(r.chunk, 10),
		"--listen", addrs[0], "--peers", strconv.Itoa(r.peers), "--torrent", torrent}
	nodes := []*ringNode{{node: ringlab.Owner, listening: make(chan struct{})}}
	for i := range r.peers {
		nodes = append(nodes, &ringNode{node: ringlab.Node(i), listening: make(chan struct{}), down: -2})
	}
	start := func(n *ringNode, args []string) error {
		cmd := exec.CommandContext(ctx, r.exe, append([]string{"lab", "ring"}, args...)...)
		cmd.Env = append(os.Environ(), ringChildEnv+"=1")
		cmd.WaitDelay = 2 * time.Second
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return fmt.Errorf("lab ring: %w", err)
		}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return fmt.Errorf("lab ring: %w", err)
		}
		n.cmd, n.start = cmd, time.Now()
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("lab ring: %v: %w", n.node, err)
		}
		var pipes sync.WaitGroup
		pipes.Go(func() {
			forEachLine(stdout, func(line string) {
				ev, perr := ringlab.ParseEvent(line)
				outMu.Lock()
				defer outMu.Unlock()
				fmt.Fprintln(e.stdout, line)
				if perr != nil || ev.Self != n.node {
					return
				}
				seen[ev.Kind] = true
				switch {
				case ev.Kind == ringlab.Listening:
					close(n.listening)
				case ev.Kind == ringlab.RecvChunk && ev.Peer == ringlab.Owner:
					n.fromOwner++
				case ev.Kind == ringlab.RecvChunk:
					n.fromRing++
					n.down = ev.Peer
				}
			})
		})
		pipes.Go(func() {
			forEachLine(stderr, func(line string) {
				outMu.Lock()
				defer outMu.Unlock()
				fmt.Fprintf(e.stderr, "%v (stderr): %s\n", n.node, line)
			})
		})
		wg.Go(func() {
			pipes.Wait()
			err := cmd.Wait()
			n.elapsed = time.Since(n.start)
			if err != nil && ctx.Err() == nil {
				n.err = fmt.Errorf("%v: %w", n.node, err)
				cancel()
			}
		})
		return nil
	}
	defer wg.Wait()
	if err := start(nodes[0], ownerArgs); err != nil {
		return err
	}
	select {
	case <-nodes[0].listening:
	case <-ctx.Done():
		cancel()
		wg.Wait()
		return ringError(ctx, nodes, "the owner did not start")
	}
	for i := range r.peers {
		down, _ := ringlab.Neighbours(i, r.peers)
		args := []string{"peer", "--index", strconv.Itoa(i), "--listen", addrs[i+1], "--owner", addrs[0],
			"--down", addrs[down+1], "--torrent", torrent, "--dir", ringlab.PeerDir(r.dir, i), "--overwrite"}
		if r.chunkFiles {
			args = append(args, "--chunk-files")
		}
		if err := start(nodes[i+1], args); err != nil {
			cancel()
			wg.Wait()
			return err
		}
	}
	wg.Wait()
	if err := ringError(ctx, nodes, ""); err != nil {
		return err
	}
	return r.summary(e, nodes, seen)
}

// ringError reports the processes that failed, or why ctx ended.
func ringError(ctx context.Context, nodes []*ringNode, why string) error {
	var errs []error
	for _, n := range nodes {
		if n.err != nil {
			errs = append(errs, n.err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("lab ring: %w", errors.Join(errs...))
	}
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = errors.New("timed out (--timeout)")
		}
		if why != "" {
			return fmt.Errorf("lab ring: %s: %w", why, err)
		}
		return fmt.Errorf("lab ring: %w", err)
	}
	return nil
}

// summary prints a table of the peers and checks that all have the file.
func (r *ringRun) summary(e env, nodes []*ringNode, seen map[ringlab.Kind]bool) error {
	m, err := ringlab.ReadTorrent(filepath.Join(r.dir, ringlab.TorrentName))
	if err != nil {
		return err
	}
	want, err := ringlab.FileSHA256(r.file)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n%-6s  %10s  %-20s  %-16s  %8s\n", "peer", "from owner", "from ring", "sha256", "time")
	bad := 0
	for _, n := range nodes[1:] {
		sum, err := ringlab.FileSHA256(filepath.Join(ringlab.PeerDir(r.dir, int(n.node)), m.Info.Name))
		mark := ""
		if err != nil || sum != want {
			bad++
			mark = "  DIFFERS"
		}
		ring := strconv.Itoa(n.fromRing)
		if n.down >= -1 {
			ring += " from " + n.down.String()
		}
		fmt.Fprintf(e.stdout, "%-6d  %10d  %-20s  %-16s  %6.2f s%s\n", int(n.node), n.fromOwner, ring,
			hex.EncodeToString(sum[:8]), n.elapsed.Seconds(), mark)
	}
	var missing []string
	for _, k := range ringlab.ProtocolKinds {
		if !seen[k] {
			missing = append(missing, k.String())
		}
	}
	sort.Strings(missing)
	fmt.Fprintln(e.stdout)
	if bad > 0 {
		return fmt.Errorf("lab ring: %d of %d peers do not have the owner's file", bad, r.peers)
	}
	if len(missing) > 0 {
		return fmt.Errorf("lab ring: no %s events", strings.Join(missing, ", "))
	}
	fmt.Fprintf(e.stdout, "All %d peers have the file (%d chunks): SHA-256 %s, the same as the owner's.\nSummaries: %s\n",
		r.peers, m.Info.NumPieces(), hex.EncodeToString(want[:]), filepath.Join(ringlab.PeerDir(r.dir, 0), ringlab.SummaryName)+" ...")
	return nil
}

// forEachLine calls f with each line r yields until it ends.
func forEachLine(r io.Reader, f func(string)) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f(sc.Text())
	}
	_, _ = io.Copy(io.Discard, r) // a line too long: drain so the process can go on
}

// freePorts returns n loopback addresses with ports free right now.
func freePorts(n int) ([]string, error) {
	var addrs []string
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("lab ring: %w", err)
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

// writeRingFile writes size pseudo-random bytes, the same for every run,
// to path.
func writeRingFile(path string, size int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("lab ring: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("lab ring: %w", err)
	}
	src := rand.NewChaCha8([32]byte{'r', 'i', 'n', 'g'})
	if _, err := io.CopyN(f, src, size); err != nil {
		f.Close()
		return fmt.Errorf("lab ring: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("lab ring: %w", err)
	}
	return nil
}

// ringEvents returns an Events func that prints each event as a line.
func ringEvents(w io.Writer) func(ringlab.Event) {
	return func(ev ringlab.Event) { fmt.Fprintln(w, ev.String()) }
}

func runRingOwner(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("lab ring owner", e, ringUsage)
	file := fs.String("file", "", "the file to share (required)")
	chunk := sizeFlag(defaultChunk)
	fs.Var(&chunk, "chunk", "chunk size")
	listen := fs.String("listen", "127.0.0.1:7000", "address to accept the peers on")
	peers := fs.Int("peers", 5, "number of peers N: chunk c goes to peer c mod N")
	torrent := fs.String("torrent", ringlab.TorrentName, "where to write the torrent the peers need")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	if *file == "" {
		return usagef("missing --file")
	}
	m, err := ringlab.MakeTorrent(ctx, *file, int64(chunk))
	if err != nil {
		return err
	}
	if err := ringlab.CheckRing(m.Info.NumPieces(), *peers); err != nil {
		return usagef("%v", err)
	}
	if err := ringlab.WriteTorrent(*torrent, m); err != nil {
		return err
	}
	events := ringEvents(e.stdout)
	events(ringlab.Event{Self: ringlab.Owner, Kind: ringlab.Note, Text: fmt.Sprintf("wrote %s: %d chunks of %d B, info hash %v",
		*torrent, m.Info.NumPieces(), m.Info.PieceLength, m.InfoHash)})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("lab ring owner: %w", err)
	}
	_, err = ringlab.RunOwner(ctx, ringlab.OwnerConfig{Torrent: m, File: *file, Peers: *peers, Events: events}, ln)
	return err
}

func runRingPeer(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("lab ring peer", e, ringUsage)
	index := fs.Int("index", -1, "this peer's index i, from 0 to N-1 (required)")
	listen := fs.String("listen", "", "address to accept the upload neighbour on (required)")
	owner := fs.String("owner", "", "the owner's address (required)")
	down := fs.String("down", "", "the download neighbour's address (required)")
	torrent := fs.String("torrent", ringlab.TorrentName, "the owner's torrent")
	dir := fs.String("dir", "", "this peer's folder (default peerI)")
	chunkFiles := fs.Bool("chunk-files", false, "also keep each chunk as its own file in DIR/chunks")
	overwrite := fs.Bool("overwrite", false, "replace the file if DIR already has it")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	switch {
	case *index < 0 || *index >= ringlab.MaxPeers:
		return usagef("missing or invalid --index")
	case *listen == "" || *owner == "" || *down == "":
		return usagef("--listen, --owner and --down are required")
	}
	if *dir == "" {
		*dir = "peer" + strconv.Itoa(*index)
	}
	m, err := ringlab.ReadTorrent(*torrent)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("lab ring peer: %w", err)
	}
	_, err = ringlab.RunPeer(ctx, ringlab.PeerConfig{
		Index: *index, Torrent: m, Dir: *dir, Owner: *owner, Down: *down,
		ChunkFiles: *chunkFiles, Overwrite: *overwrite, Events: ringEvents(e.stdout),
	}, ln)
	return err
}
