package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/rendezvous/service"
)

// peerOptions are the flags of every command that runs a rendezvous peer.
type peerOptions struct {
	router  string
	key     string
	listen  string
	reach   string
	step    time.Duration
	timeout time.Duration
	verbose bool
	quiet   bool // log warnings only unless verbose
}

func (o *peerOptions) register(fs *flagSet, listen string) {
	fs.StringVar(&o.router, "router", "", "`HOST:PORT` of your cluster's router, or ID@HOST:PORT to require that router's ID (required)")
	fs.StringVar(&o.key, "key", defaultKeyPath("node.key"), "your key `file`; your ID is derived from it (made with mode 0600 if missing)")
	fs.StringVar(&o.listen, "listen", listen, "TCP `address` to listen on; links and the router connection use this port")
	fs.StringVar(&o.reach, "reachable", "auto", "whether others can connect to you: auto (when the router sees your own address), yes (e.g. a forwarded port) or no")
	fs.DurationVar(&o.step, "step", time.Second, "`time` given to each way of making a direct link")
	fs.DurationVar(&o.timeout, "timeout", 20*time.Second, "give up making a link after this `long`")
	fs.BoolVar(&o.verbose, "verbose", false, "log link set-up to stderr")
}

// start runs a node until ctx ends and waits until it is registered; the
// returned func stops it.
func (o *peerOptions) start(ctx context.Context, e env, policy func(proto.ID) bool) (*node.Node, func(), error) {
	if o.router == "" {
		return nil, nil, usagef("--router is required")
	}
	reach := map[string]node.Reach{"auto": node.ReachAuto, "yes": node.ReachYes, "no": node.ReachNo}
	r, ok := reach[o.reach]
	if !ok {
		return nil, nil, usagef("--reachable: want auto, yes or no")
	}
	key, err := proto.LoadOrCreateKey(o.key)
	if err != nil {
		return nil, nil, err
	}
	n, err := node.New(node.Config{
		Key: key, Router: o.router, Listen: o.listen, Reach: r, Policy: policy,
		StepTimeout: o.step, ConnectTimeout: o.timeout, Logger: o.logger(e),
	})
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	stop := func() { cancel(); <-done }
	rctx, rcancel := context.WithTimeout(ctx, o.timeout)
	defer rcancel()
	if err := n.Ready(rctx); err != nil {
		stop()
		select {
		case err := <-done:
			if err != nil {
				return nil, nil, err
			}
		default:
		}
		return nil, nil, fmt.Errorf("no answer from router %s: %w", o.router, err)
	}
	return n, stop, nil
}

func (o *peerOptions) logger(e env) *slog.Logger {
	level := slog.LevelInfo
	switch {
	case o.verbose:
		level = slog.LevelDebug
	case o.quiet:
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

// dial links to the peer named by its ID.
func (o *peerOptions) dial(ctx context.Context, e env, peer string) (*node.Node, *node.Link, func(), error) {
	id, err := proto.ParseID(peer)
	if err != nil {
		return nil, nil, nil, usagef("PEER: %v", err)
	}
	n, stop, err := o.start(ctx, e, func(proto.ID) bool { return false })
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := n.Dial(ctx, id)
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	if o.verbose {
		fmt.Fprintf(e.stderr, "link to %s: %s, set up in %v\n", id, l.Kind(), l.SetupTime().Round(time.Millisecond))
	}
	return n, l, func() { l.Close(); stop() }, nil
}

const listenUsage = `Usage: shoal listen --router HOST:PORT [--dir DIR] [--allow ID ...]

Registers with your cluster's router and waits for other peers: it
answers every message (shoal msg) with the text in upper case and, with
--dir, stores files sent with shoal send in DIR (never overwriting).
Prints your ID, which others use to reach you. Runs until interrupted.
`

func runListen(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("listen", e, listenUsage)
	var o peerOptions
	o.register(fs, ":0")
	dir := fs.String("dir", "", "store received files in this `folder` (default: refuse files)")
	var maxSize sizeFlag
	fs.Var(&maxSize, "max-file-size", "refuse files larger than this `size`, e.g. 1G (default: no limit)")
	var allow listFlag
	fs.Var(&allow, "allow", "accept links only from this peer `ID` (repeatable; default: from everyone)")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	var policy func(proto.ID) bool
	if len(allow) > 0 {
		ok := map[proto.ID]bool{}
		for _, a := range allow {
			id, err := proto.ParseID(a)
			if err != nil {
				return usagef("--allow: %v", err)
			}
			ok[id] = true
		}
		policy = func(id proto.ID) bool { return ok[id] }
	}
	if *dir != "" {
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	n, stop, err := o.start(ctx, e, policy)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(e.stdout, "peer %s listening on %s, seen by the router as %s\n", n.ID(), n.Addr(), n.Observed())
	srv := &service.Server{Dir: *dir, MaxFileSize: int64(maxSize), Logger: newLogger(e, o.verbose)}
	return service.ServeNode(ctx, n, srv)
}

const msgUsage = `Usage: shoal msg PEER TEXT --router HOST:PORT

Links to the peer with ID PEER (40 hex digits, as printed by shoal listen)
through your cluster's router, sends TEXT and prints the reply.
`

func runMsg(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("msg", e, msgUsage)
	var o peerOptions
	o.register(fs, ":0")
	o.quiet = true
	pos, err := parseFlags(fs, args, 2, 2)
	if err != nil {
		return err
	}
	_, l, stop, err := o.dial(ctx, e, pos[0])
	if err != nil {
		return err
	}
	defer stop()
	l.SetDeadline(time.Now().Add(o.timeout))
	reply, err := service.NewClient(l).Message(pos[1])
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, reply)
	return nil
}

const sendUsage = `Usage: shoal send PEER FILE --router HOST:PORT

Links to the peer with ID PEER through your cluster's router and sends
FILE; the peer (shoal listen --dir DIR) stores it in DIR under its base
name and confirms its size and SHA-256, which are printed.
`

func runSend(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("send", e, sendUsage)
	var o peerOptions
	o.register(fs, ":0")
	o.quiet = true
	pos, err := parseFlags(fs, args, 2, 2)
	if err != nil {
		return err
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", pos[1])
	}
	_, l, stop, err := o.dial(ctx, e, pos[0])
	if err != nil {
		return err
	}
	defer stop()
	start := time.Now()
	rc, err := service.NewClient(l).SendFile(filepath.Base(pos[1]), f, st.Size())
	if err != nil {
		if errors.Is(err, service.ErrRefused) {
			return fmt.Errorf("peer refused: %w", err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "sent %s: %d bytes in %v over a %s link, sha256 %x\n",
		filepath.Base(pos[1]), rc.Size, time.Since(start).Round(time.Millisecond), l.Kind(), rc.SHA256)
	return nil
}

const idUsage = `Usage: shoal id [--key FILE]

Prints the ID of your key (made if missing): the 40 hex digits others
use to reach you, and routers use in --federate and --accept.
`

func runID(_ context.Context, e env, args []string) error {
	fs := newFlagSet("id", e, idUsage)
	path := fs.String("key", defaultKeyPath("node.key"), "key `file`")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	k, err := proto.LoadOrCreateKey(*path)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, proto.KeyID(k))
	return nil
}
