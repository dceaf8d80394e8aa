package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"shoal/internal/engine"
	"shoal/internal/rendezvous/node"
	"shoal/internal/rendezvous/proto"
	"shoal/internal/tracker/client"
)

// rendezvousHelp ends the usage of the commands that take --router.
const rendezvousHelp = `
Behind a NAT, --router ID@HOST:PORT registers the session with your
cluster's rendezvous router (shoal router) under your rendezvous ID. HTTP
trackers then hand out that ID along with your address (UDP trackers
cannot), and peers registered with federated routers reach you through
them: directly where the NATs allow it (private address, dial,
connect-back, simultaneous open), else relayed by the routers.
--peer rdv:ID reaches a peer by its rendezvous ID without a tracker.
`

// rendezvousOptions are the flags that make a peer session reachable
// through a rendezvous router.
type rendezvousOptions struct {
	router routerFlag
	key    string
	listen string
	peers  []proto.ID // --peer rdv:ID
	stop   func()     // stops the node; nil when none runs
}

// rdvPrefix marks a --peer given by rendezvous ID.
const rdvPrefix = "rdv:"

func (o *rendezvousOptions) register(fs *flagSet) {
	fs.Var(&o.router, "router", "register with the rendezvous router `ID@HOST:PORT` (or HOST:PORT; with the ID the router must prove it holds that ID's key, and trackers are told it), "+
		"so that peers behind other NATs can reach this one, and reach peers known by rendezvous ID")
	fs.StringVar(&o.key, "key", defaultKeyPath("node.key"), "rendezvous key `file`, as for shoal listen; your rendezvous ID is derived from it "+
		"(made with mode 0600 if missing; give each process on one machine its own)")
	fs.StringVar(&o.listen, "rendezvous-listen", "", "TCP `address` for rendezvous links and the router connection (default: --bind with any free port)")
}

// peerFlag is --peer: IP:PORT, or rdv:ID for a peer reached through the
// rendezvous routers.
type peerFlag struct {
	addrs *peerFlags
	ids   *[]proto.ID
}

func (f peerFlag) String() string {
	if f.addrs == nil {
		return ""
	}
	return f.addrs.String()
}

func (f peerFlag) Set(v string) error {
	if s, ok := strings.CutPrefix(v, rdvPrefix); ok {
		id, err := proto.ParseID(s)
		if err != nil {
			return fmt.Errorf("invalid peer %q: want rdv: and a rendezvous ID of 40 hex digits", v)
		}
		*f.ids = append(*f.ids, id)
		return nil
	}
	return f.addrs.Set(v)
}

// routerFlag is --router, checked when given.
type routerFlag struct {
	raw, addr, contact string
}

func (f *routerFlag) String() string { return f.raw }

func (f *routerFlag) Set(s string) error {
	addr, contact, err := parseRouter(s)
	if err != nil {
		return err
	}
	*f = routerFlag{raw: s, addr: addr, contact: contact}
	return nil
}

// parseRouter splits --router into the router's address and the contact
// told to trackers ("" when no ID was given).
func parseRouter(s string) (addr, contact string, err error) {
	idText, hostPort, ok := strings.Cut(s, "@")
	if !ok {
		hostPort = s
	} else {
		if !client.ValidRouterContact(s) {
			return "", "", fmt.Errorf("invalid --router %q: want ID@HOST:PORT (ID: 40 hex digits) or HOST:PORT", s)
		}
		contact = strings.ToLower(idText) + "@" + hostPort
	}
	if _, _, err := net.SplitHostPort(hostPort); err != nil || hostPort == "" {
		return "", "", fmt.Errorf("invalid --router %q: want ID@HOST:PORT or HOST:PORT", s)
	}
	return hostPort, contact, nil
}

// start runs a rendezvous node when --router is given, waits until it is
// registered and fills in cfg; bind is the session's --bind. Stop ends the
// node, after the session closed.
func (o *rendezvousOptions) start(cfg *engine.Config, bind string, log *slog.Logger, stdout io.Writer) error {
	if o.router.addr == "" {
		if len(o.peers) > 0 {
			return usagef("--peer %s... needs --router", rdvPrefix)
		}
		return nil
	}
	addr, contact := o.router.addr, o.router.contact
	key, err := proto.LoadOrCreateKey(o.key)
	if err != nil {
		return err
	}
	listen := o.listen
	if listen == "" {
		listen = net.JoinHostPort(bind, "0")
	}
	// With an ID, the node pins the router: it must prove it holds the key.
	n, err := node.New(node.Config{Key: key, Router: o.router.raw, Listen: listen, Logger: log})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	var runErr error
	o.stop = func() { cancel(); runErr = <-done }
	rctx, rcancel := context.WithTimeout(ctx, 20*time.Second)
	defer rcancel()
	if err := n.Ready(rctx); err != nil {
		o.Stop()
		if runErr != nil {
			return fmt.Errorf("rendezvous: %w", runErr)
		}
		return fmt.Errorf("rendezvous: no answer from router %s: %w", addr, err)
	}
	cfg.Rendezvous = engine.NodeRendezvous(n)
	cfg.RendezvousRouter = contact
	fmt.Fprintf(stdout, "rendezvous: peer %s registered with router %s, seen as %s (others add it with --peer %s%s)\n",
		n.ID(), addr, n.Observed(), rdvPrefix, n.ID())
	return nil
}

// Stop stops the node, if one runs.
func (o *rendezvousOptions) Stop() {
	if o.stop != nil {
		o.stop()
		o.stop = nil
	}
}
