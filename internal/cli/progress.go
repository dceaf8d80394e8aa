package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress prints a status line: rewritten in place on a terminal, or
// every few seconds as plain lines when output goes to a file or pipe.
type progress struct {
	w     io.Writer
	tty   bool
	off   bool
	width int
	last  time.Time
}

// plainEvery is how often a status line is printed when not on a terminal.
const plainEvery = 5 * time.Second

func newProgress(w io.Writer, quiet bool) *progress {
	return &progress{w: w, tty: isTerminal(w), off: quiet}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) update(line string) {
	if p.off {
		return
	}
	if !p.tty {
		if time.Since(p.last) < plainEvery {
			return
		}
		p.last = time.Now()
		fmt.Fprintln(p.w, line)
		return
	}
	pad := ""
	if n := p.width - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
}

// clear removes the status line from a terminal.
func (p *progress) clear() {
	if p.off || !p.tty || p.width == 0 {
		return
	}
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
	p.width = 0
}
