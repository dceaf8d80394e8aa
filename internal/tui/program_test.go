package tui

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// countingSource is a Source safe for use from bubbletea's goroutines.
type countingSource struct {
	snap  Snapshot
	calls atomic.Int64
}

func (c *countingSource) Snapshot() Snapshot {
	c.calls.Add(1)
	return c.snap
}

// lockedController is a Controller safe for use from bubbletea's goroutines.
type lockedController struct {
	mu     sync.Mutex
	paused []string
}

func (c *lockedController) SetLimits(down, up int64) {}
func (c *lockedController) Resume(h string)          {}
func (c *lockedController) Pause(h string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.paused = append(c.paused, h)
}

// TestProgram runs the model in a real bubbletea program without a terminal:
// it refreshes on its own, executes commands, and returns on q.
func TestProgram(t *testing.T) {
	src := &countingSource{snap: busySnapshot()}
	ctl := &lockedController{}
	m := New(src, ctl, Options{Refresh: 5 * time.Millisecond, Renderer: asciiRenderer()})
	var out bytes.Buffer
	p := tea.NewProgram(m, tea.WithContext(t.Context()), tea.WithInput(nil), tea.WithOutput(&out),
		tea.WithoutSignalHandler(), tea.WithoutRenderer())
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()
	deadline := time.After(10 * time.Second)
	for src.calls.Load() < 5 {
		select {
		case <-deadline:
			t.Fatalf("%d snapshots in 10s", src.calls.Load())
		case <-time.After(time.Millisecond):
		}
	}
	p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("p")})
	for {
		ctl.mu.Lock()
		n := len(ctl.paused)
		ctl.mu.Unlock()
		if n == 1 {
			break
		}
		select {
		case <-deadline:
			t.Fatal("pause never reached the controller")
		case <-time.After(time.Millisecond):
		}
	}
	p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-deadline:
		t.Fatal("q did not end the program")
	}
}
