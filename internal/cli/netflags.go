package cli

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"shoal/internal/engine"
	"shoal/internal/tracker/client"
)

// netOptions are the flags shared by every command that runs a peer.
type netOptions struct {
	port      int
	bind      string
	peers     peerFlags
	maxConns  int
	upLimit   sizeFlag
	downLimit sizeFlag
	quiet     bool
	verbose   bool
	cpuprof   string
	events    string
	upSet     bool // a limit flag was given
	downSet   bool
	outPorts  string
	globalMax int
	noPEX     bool
	rdv       rendezvousOptions
}

func (o *netOptions) register(fs *flagSet) {
	fs.IntVar(&o.port, "port", engine.DefaultPort, "TCP port to listen on for peers; the next free port is used if it is taken")
	fs.StringVar(&o.bind, "bind", "", "IP address to listen on and connect from (default: all addresses)")
	fs.Var(peerFlag{&o.peers, &o.rdv.peers}, "peer", "connect to this peer `IP:PORT`, or rdv:ID for a peer reached through the rendezvous routers (needs --router), in addition to trackers (repeatable)")
	o.rdv.register(fs)
	fs.IntVar(&o.maxConns, "max-conns", engine.DefaultMaxConns, "maximum peer connections per torrent")
	fs.IntVar(&o.globalMax, "global-max-conns", engine.DefaultGlobalMaxConns, "maximum peer connections of all torrents together")
	fs.BoolVar(&o.noPEX, "no-pex", false, "do not exchange peer lists with other peers (BEP 11; never done for private torrents)")
	fs.StringVar(&o.outPorts, "outgoing-ports", "", "bind outgoing connections to local ports in this `range`, e.g. 50000-50100")
	fs.Var(setFlag{&o.upLimit, &o.upSet}, "max-up", "upload limit in `bytes/s` for the whole session, e.g. 512K or 10MiB (default: unlimited)")
	fs.Var(setFlag{&o.downLimit, &o.downSet}, "max-down", "download limit in `bytes/s` for the whole session, e.g. 512K or 10MiB (default: unlimited)")
	fs.Var(setFlag{&o.upLimit, &o.upSet}, "up-limit", "same as --max-up")
	fs.Var(setFlag{&o.downLimit, &o.downSet}, "down-limit", "same as --max-down")
	fs.BoolVar(&o.quiet, "quiet", false, "no live console or progress line")
	fs.StringVar(&o.events, "events", "", "write every protocol event (pieces, requests, haves, chokes...) to `FILE` ('-' for stderr)")
	fs.BoolVar(&o.verbose, "verbose", false, "log connection-level events to stderr")
	fs.StringVar(&o.cpuprof, "cpuprofile", "", "write a CPU profile to `FILE` (for performance work)")
}

// profile starts the CPU profile if asked; the returned func stops it.
func (o *netOptions) profile() (func(), error) { return startCPUProfile(o.cpuprof) }

// startCPUProfile writes a CPU profile to path (nothing if empty) until
// the returned stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func (o *netOptions) logger(stderr io.Writer) *slog.Logger {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

// setFlag is a size flag that remembers it was given.
type setFlag struct {
	v   *sizeFlag
	set *bool
}

func (f setFlag) String() string {
	if f.v == nil {
		return ""
	}
	return f.v.String()
}

func (f setFlag) Set(s string) error {
	*f.set = true
	return f.v.Set(s)
}

// session starts a peer session from the flags; with --router, it first
// registers with the rendezvous router (and says so on stdout). The caller
// calls o.rdv.Stop after closing the session.
func (o *netOptions) session(stdout io.Writer, log *slog.Logger, onEvent func(engine.Event)) (*engine.Session, error) {
	var bind netip.Addr
	if o.bind != "" {
		a, err := netip.ParseAddr(o.bind)
		if err != nil {
			return nil, usagef("invalid --bind address %q: want an IP address", o.bind)
		}
		bind = a
	}
	if o.port < 0 || o.port > 65535 {
		return nil, usagef("invalid --port %d: want 1-65535, or 0 for any free port", o.port)
	}
	port := o.port
	if port == 0 {
		port = -1
	}
	var outLo, outHi int
	if o.outPorts != "" {
		l, h, ok := strings.Cut(o.outPorts, "-")
		var err1, err2 error
		outLo, err1 = strconv.Atoi(l)
		outHi, err2 = strconv.Atoi(h)
		if !ok || err1 != nil || err2 != nil || outLo < 1 || outHi < outLo || outHi > 65535 {
			return nil, usagef("invalid --outgoing-ports %q: want a range such as 50000-50100", o.outPorts)
		}
	}
	tc := client.New(client.Config{HTTPClient: httpClient(bind), Logger: log, LocalAddr: bind})
	cfg := engine.Config{
		Port:           port,
		Bind:           bind,
		MaxConns:       o.maxConns,
		GlobalMaxConns: o.globalMax,
		OutgoingPortLo: outLo,
		OutgoingPortHi: outHi,
		UpLimit:        int64(o.upLimit),
		DownLimit:      int64(o.downLimit),
		Tracker:        tc,
		Logger:         log,
		OnEvent:        onEvent,
		NoPEX:          o.noPEX,
	}
	if err := o.rdv.start(&cfg, o.bind, log, stdout); err != nil {
		return nil, err
	}
	s, err := engine.New(cfg)
	if err != nil {
		o.rdv.Stop()
		return nil, fmt.Errorf("%w", err)
	}
	return s, nil
}

// httpClient is the tracker HTTP client; with a bind address, requests
// leave from it so the tracker sees the address peers should use.
func httpClient(bind netip.Addr) *http.Client {
	d := &net.Dialer{Timeout: 15 * time.Second}
	if bind.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: bind.AsSlice()}
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}
