package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"shoal/internal/lab"
)

const labUsage = `Usage: shoal lab distribution [flags]

Measures how long it takes one seed to give a file to N peers, in real
sessions on loopback (127.0.0.2, 127.0.0.3, ...) with enforced upload
limits, and compares it with the textbook bounds:

  client-server  D_cs  >= max(N·F/u_s, F/d_min)
  peer-to-peer   D_p2p >= max(F/u_s, F/d_min, N·F/(u_s + Σu_i))

For each N it runs client-server (each peer knows only the seed) and
peer-to-peer (every peer knows every other, BEP 3 choking), prints a table
and writes DIR/distribution.csv, DIR/distribution-peers.csv (each peer's
completion time) and DIR/distribution.svg (T/(F/u) against N with both
bounds). Keep the limits low enough that the CPU is never the bottleneck;
the table says when it may have been.
`

func runLab(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("missing experiment (available: distribution, ring)")
	}
	switch args[0] {
	case "-h", "-help", "--help":
		return runDistribution(ctx, e, args)
	}
	switch args[0] {
	case "distribution":
		return runDistribution(ctx, e, args[1:])
	case "ring":
		return runRing(ctx, e, args[1:])
	}
	return usagef("unknown experiment %q (available: distribution, ring)", args[0])
}

func runDistribution(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("lab distribution", e, labUsage)
	peersList := fs.String("peers", "2,4,8,16,32,64", "numbers of peers N to run, comma-separated")
	size := sizeFlag(16 << 20)
	fs.Var(&size, "size", "file size F")
	up := sizeFlag(256 << 10)
	fs.Var(&up, "up", "each peer's upload limit u, per second (also the plot's unit u)")
	var upList sizeListFlag
	var seedUpOne, downOne sizeFlag
	fs.Var(&seedUpOne, "seed-up", "the seed's upload limit u_s, per second (default 10 × --up)")
	fs.Var(&downOne, "down", "each peer's download limit, per second (default unlimited)")
	fs.Var(&upList, "up-list", "heterogeneous upload limits, comma-separated, given to the peers in turn (e.g. 128K,256K,512K)")
	piece := sizeFlag(lab.DefaultPieceLength)
	fs.Var(&piece, "piece", "piece length")
	burst := sizeFlag(lab.DefaultBurst)
	fs.Var(&burst, "burst", "depth of every token bucket")
	modes := fs.String("modes", "cs,p2p", "modes to run: cs (client-server), p2p (peer-to-peer)")
	csMax := fs.Int("cs-max-peers", 0, "run client-server only up to this N (0: every N); it is the slow one")
	out := fs.String("out", ".", "folder for the CSV and SVG files")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	ns, err := parseInts(*peersList)
	if err != nil {
		return usagef("invalid --peers: %v", err)
	}
	var ms []lab.Mode
	for _, s := range strings.Split(*modes, ",") {
		m, err := lab.ParseMode(strings.TrimSpace(s))
		if err != nil {
			return usagef("invalid --modes: %v", err)
		}
		ms = append(ms, m)
	}
	if up <= 0 || size <= 0 {
		return usagef("--up and --size must be positive")
	}
	us := int64(seedUpOne)
	if us == 0 {
		us = 10 * int64(up)
	}
	ups := []int64(upList)
	if len(ups) == 0 {
		ups = []int64{int64(up)}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("lab: %w", err)
	}

	rep := lab.Report{F: int64(size), Us: float64(us), Dmin: float64(downOne), Unit: float64(up)}
	for _, u := range ups {
		rep.Ups = append(rep.Ups, float64(u))
	}
	fmt.Fprintf(e.stdout, "Distribution lab: F = %s, u_s = %s/s, u_i = %s/s, pieces of %s, token buckets of %s, %d CPUs\n",
		lab.FormatBytes(float64(size)), lab.FormatBytes(float64(us)), rateList(ups), lab.FormatBytes(float64(piece)),
		lab.FormatBytes(float64(burst)), runtime.NumCPU())
	var results []lab.Result
	cpuWarn, hostWarn := false, false
	busy := 0.8 * float64(runtime.NumCPU())
	for _, n := range ns {
		for _, m := range ms {
			if m == lab.ClientServer && *csMax > 0 && n > *csMax {
				continue
			}
			cfg := lab.Config{
				Mode: m, Peers: n, FileSize: int64(size), PieceLength: int64(piece),
				SeedUp: us, PeerUp: ups, PeerDown: int64(downOne), Burst: int64(burst), Seed: uint64(n),
			}
			fmt.Fprintf(e.stdout, "N=%d %s: running (bound %.1f s)...", n, m, cfg.Model().Bound(m))
			res, err := lab.Run(ctx, cfg)
			if err != nil {
				fmt.Fprintln(e.stdout)
				return err
			}
			row := res.Row()
			fmt.Fprintf(e.stdout, " %.1f s, ratio %.3f, uplinks %.0f%% busy, %.2f cores (machine %.2f)\n", row.Measured, row.Ratio(), 100*row.Util, row.CPU, row.Host)
			cpuWarn = cpuWarn || row.CPU > busy
			hostWarn = hostWarn || (row.Host > busy && row.CPU <= busy)
			rep.Rows = append(rep.Rows, row)
			results = append(results, res)
		}
	}
	fmt.Fprintln(e.stdout)
	if err := rep.WriteTable(e.stdout); err != nil {
		return err
	}
	if cpuWarn {
		fmt.Fprintf(e.stdout, "\nWarning: some runs kept more than 80%% of the %d CPUs busy (column cpu): the CPU may have been a bottleneck there; use lower limits.\n", runtime.NumCPU())
	}
	if hostWarn {
		fmt.Fprintf(e.stdout, "\nWarning: during some runs other programs kept the machine's %d CPUs more than 80%% busy (column host): those times may be too long; run again on a quiet machine.\n", runtime.NumCPU())
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"distribution.csv", rep.WriteCSV},
		{"distribution-peers.csv", func(w io.Writer) error { return writePeersCSV(w, results) }},
		{"distribution.svg", rep.WriteSVG},
	}
	fmt.Fprintln(e.stdout)
	for _, f := range files {
		path := filepath.Join(*out, f.name)
		if err := writeFile(path, f.write); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Wrote %s\n", path)
	}
	return nil
}

// writePeersCSV writes each peer's completion time and upload.
func writePeersCSV(w io.Writer, results []lab.Result) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"n", "mode", "peer", "addr", "up_limit", "done_s", "uploaded", "downloaded", "wasted"})
	for _, r := range results {
		for _, p := range append([]lab.PeerResult{r.Seed}, r.Peers...) {
			cw.Write([]string{
				strconv.Itoa(len(r.Peers)), r.Mode.String(), p.Name, p.Addr.String(), strconv.FormatInt(p.Up, 10),
				strconv.FormatFloat(p.Done.Seconds(), 'f', 3, 64), strconv.FormatInt(p.Uploaded, 10),
				strconv.FormatInt(p.Downloaded, 10), strconv.FormatInt(p.Wasted, 10),
			})
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("lab: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// sizeListFlag is a comma-separated list of sizes.
type sizeListFlag []int64

func (l *sizeListFlag) String() string { return rateList(*l) }

func (l *sizeListFlag) Set(v string) error {
	*l = (*l)[:0]
	for _, f := range strings.Split(v, ",") {
		n, err := parseSize(f)
		if err != nil {
			return err
		}
		if n <= 0 {
			return fmt.Errorf("invalid size %q: want a positive size", f)
		}
		*l = append(*l, n)
	}
	return nil
}

func rateList(l []int64) string {
	var s []string
	for _, n := range l {
		s = append(s, lab.FormatBytes(float64(n)))
	}
	return strings.Join(s, ",")
}

const demoUsage = `Usage: shoal demo [flags]

Shows a whole swarm at work, with no set-up: generates a file, starts an
embedded tracker, one seed and several peers in this process on loopback
(127.0.0.2, 127.0.0.3, ...), each a real session with its own upload
limit, and shows each peer's progress, its rates and whom it uploads to
until every peer has the file. Ends with the time taken against the
theoretical minimum.
`

func runDemo(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("demo", e, demoUsage)
	peers := fs.Int("peers", 6, "number of peers")
	size := sizeFlag(48 << 20)
	fs.Var(&size, "size", "file size")
	up := sizeFlag(1 << 20)
	fs.Var(&up, "up", "each peer's upload limit, per second")
	seedUp := sizeFlag(5 << 20)
	fs.Var(&seedUp, "seed-up", "the seed's upload limit, per second")
	if _, err := parseFlags(fs, args, 0, 0); err != nil {
		return err
	}
	cfg := lab.Config{
		Mode: lab.PeerToPeer, Peers: *peers, FileSize: int64(size),
		SeedUp: int64(seedUp), PeerUp: []int64{int64(up)}, Tracker: true, Seed: 7,
	}
	exp, err := lab.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer exp.Close()
	title := fmt.Sprintf("shoal demo: one seed (up %s/s) gives %s to %d peers (up %s/s each) on loopback; tracker %s",
		lab.FormatBytes(float64(seedUp)), lab.FormatBytes(float64(size)), *peers, lab.FormatBytes(float64(up)), exp.TrackerURL())
	if isTerminal(e.stdout) {
		err = demoConsole(ctx, e, exp, title)
	} else {
		err = demoPlain(ctx, e, exp, title)
	}
	if err != nil {
		return err
	}
	res, err := exp.Wait(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	for _, l := range lab.Summary(res) {
		fmt.Fprintln(e.stdout, l)
	}
	return nil
}

// demoPlain prints a line every few seconds until the swarm is done.
func demoPlain(ctx context.Context, e env, exp *lab.Experiment, title string) error {
	fmt.Fprintln(e.stdout, title)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exp.Done():
			fmt.Fprintln(e.stdout, lab.Plain(exp.Snapshot()))
			return nil
		case <-tick.C:
			fmt.Fprintln(e.stdout, lab.Plain(exp.Snapshot()))
		}
	}
}

// errDemoQuit is returned when the user leaves the demo early.
var errDemoQuit = errors.New("stopped before every peer had the file")

// demoConsole redraws the swarm on the terminal until it is done or the
// user presses q.
func demoConsole(ctx context.Context, e env, exp *lab.Experiment, title string) error {
	var in io.Reader
	if isReaderTerminal(e.stdin) {
		in = e.stdin
	}
	m := &demoModel{exp: exp, title: title, width: 100}
	m.prev = exp.Snapshot()
	m.cur = m.prev
	prog := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(e.stdout))
	_, err := prog.Run()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && !errors.Is(err, tea.ErrProgramKilled):
		return fmt.Errorf("demo: %w", err)
	case m.quit:
		return errDemoQuit
	}
	return nil
}

// demoModel is the live view: the swarm redrawn twice a second.
type demoModel struct {
	exp       *lab.Experiment
	title     string
	width     int
	prev, cur lab.Snapshot
	quit      bool
}

type demoTick struct{}

func demoTickCmd() tea.Cmd {
	return tea.Tick(500*time.Millisecond, func(time.Time) tea.Msg { return demoTick{} })
}

func (m *demoModel) Init() tea.Cmd { return demoTickCmd() }

func (m *demoModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width = msg.Width
	case tea.KeyMsg:
		switch msg.String() {
		case "q", "ctrl+c", "esc":
			m.quit = true
			return m, tea.Quit
		}
	case demoTick:
		snap := m.exp.Snapshot()
		// Rates over the last second or so.
		if snap.Elapsed-m.prev.Elapsed >= time.Second {
			m.prev = m.cur
		}
		m.cur = snap
		if isClosed(m.exp.Done()) {
			return m, tea.Quit
		}
		return m, demoTickCmd()
	}
	return m, nil
}

func (m *demoModel) View() string {
	lines := append([]string{m.title, ""}, lab.Frame(lab.WithRates(m.prev, m.cur), m.width)...)
	if !isClosed(m.exp.Done()) {
		lines = append(lines, "", "q: quit")
	}
	return strings.Join(lines, "\n") + "\n"
}
