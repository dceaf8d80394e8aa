package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	tea "github.com/charmbracelet/bubbletea"

	"shoal/internal/bt"
	"shoal/internal/engine"
	"shoal/internal/storage"
	"shoal/internal/tui"
)

// eventHub passes protocol events to the console and the event log file.
type eventHub struct {
	mu      sync.Mutex
	console *consoleSource
	writer  *eventWriter
}

func (h *eventHub) emit(e engine.Event) {
	h.mu.Lock()
	c, w := h.console, h.writer
	h.mu.Unlock()
	if c != nil {
		c.event(e)
	}
	if w != nil {
		w.event(e)
	}
}

func (h *eventHub) setConsole(c *consoleSource) {
	h.mu.Lock()
	h.console = c
	h.mu.Unlock()
}

// openEvents sets up the hub for the flags: it returns nil when nobody
// listens, so the engine skips the work. The closer ends the log file.
func openEvents(e env, o *netOptions, console bool) (*eventHub, func(), error) {
	if o.events == "" && !console {
		return nil, func() {}, nil
	}
	h := &eventHub{}
	closer := func() {}
	switch o.events {
	case "":
	case "-":
		h.writer = &eventWriter{w: e.stderr}
	default:
		f, err := os.Create(o.events)
		if err != nil {
			return nil, nil, fmt.Errorf("event log: %w", err)
		}
		bw := bufio.NewWriterSize(f, 64<<10)
		h.writer = &eventWriter{w: bw}
		closer = func() {
			h.writer.mu.Lock()
			bw.Flush()
			h.writer.mu.Unlock()
			f.Close()
		}
	}
	return h, closer, nil
}

// wantConsole reports whether to show the live console.
func (o *netOptions) wantConsole(e env) bool {
	return !o.quiet && isTerminal(e.stdout) && isReaderTerminal(e.stdin)
}

func isReaderTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// askLimits asks for the rate limits that were not given as flags, as the
// console starts. Enter means unlimited.
func askLimits(e env, o *netOptions) error {
	in := bufio.NewReader(e.stdin)
	ask := func(what string, v *sizeFlag) error {
		for range 3 {
			fmt.Fprintf(e.stdout, "Maximum %s rate (e.g. 5MiB, 512K; Enter for unlimited): ", what)
			line, err := in.ReadString('\n')
			if err != nil && line == "" {
				return err
			}
			n, err := tui.ParseRate(strings.TrimSpace(line))
			if err == nil {
				*v = sizeFlag(n)
				return nil
			}
			fmt.Fprintf(e.stdout, "  %v\n", err)
		}
		return usagef("no valid %s rate given", what)
	}
	if !o.downSet {
		if err := ask("download", &o.downLimit); err != nil {
			return err
		}
	}
	if !o.upSet {
		if err := ask("upload", &o.upLimit); err != nil {
			return err
		}
	}
	return nil
}

// errStopped is returned when the user quits the console before the
// downloads completed.
var errStopped = errors.New("stopped before every download completed; run the same command again to resume")

// watchConsole runs the live console until the user quits, or until every
// torrent is complete when not seeding.
func watchConsole(ctx context.Context, e env, s *engine.Session, jobs []*job, seed bool, hub *eventHub, resume *storage.Resume) error {
	src := newConsoleSource(s, jobs, func(ih bt.InfoHash, paused bool) {
		_ = resume.SetPaused(ih, paused) // best effort: the torrent runs either way
	})
	hub.setConsole(src)
	prog := tea.NewProgram(tui.New(src, src, tui.Options{}),
		tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(e.stdin), tea.WithOutput(e.stdout))
	allDone := make(chan struct{})
	go func() {
		for _, j := range jobs {
			select {
			case <-j.t.Done():
			case <-ctx.Done():
				return
			}
		}
		close(allDone)
		if !seed {
			prog.Quit()
		}
	}()
	_, err := prog.Run()
	for _, j := range jobs {
		if err := j.t.Err(); err != nil {
			return fmt.Errorf("%s: %w", j.mi.Info.Name, err)
		}
	}
	complete := isClosed(allDone)
	for _, j := range jobs {
		st := j.t.Stats(false)
		state := fmt.Sprintf("%.1f%%", 100*float64(st.TotalLength-st.Left)/float64(st.TotalLength))
		if isClosed(j.t.Done()) {
			state = "complete, verified"
		}
		fmt.Fprintf(e.stdout, "%s: %s; downloaded %s, uploaded %s\n", j.mi.Info.Name, state, formatBytes(st.Downloaded), formatBytes(st.Uploaded))
	}
	switch {
	case ctx.Err() != nil:
		if seed && complete {
			return nil
		}
		return ctx.Err()
	case err != nil && !errors.Is(err, tea.ErrProgramKilled):
		return fmt.Errorf("console: %w", err)
	case !complete && !seed:
		return errStopped
	}
	return nil
}
