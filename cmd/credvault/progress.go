package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/credvault/credvault/vault"
)

// A progressPrinter shows job progress: a bar redrawn in place on a
// terminal, fitted to its width, and plain lines (at most one a second)
// otherwise.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	width    int // the terminal's columns
	last     time.Time
	drawn    bool
}

// newProgressPrinter prints to w; getenv supplies COLUMNS, which wins
// over the width the terminal reports.
func newProgressPrinter(w io.Writer, getenv func(string) string) *progressPrinter {
	pp := &progressPrinter{w: w, terminal: isTerminal(w)}
	if pp.terminal {
		pp.width = terminalWidth(w.(*os.File), getenv)
	}
	return pp
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// defaultWidth is the width assumed when neither COLUMNS nor the
// terminal says.
const defaultWidth = 80

// terminalWidth returns COLUMNS when it is a positive number, else the
// width the terminal f reports, else defaultWidth.
func terminalWidth(f *os.File, getenv func(string) string) int {
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if n := ttyColumns(f); n > 0 {
		return n
	}
	return defaultWidth
}

// print shows p.
func (pp *progressPrinter) print(p vault.Progress) {
	if pp.terminal {
		fmt.Fprint(pp.w, "\r"+progressLine(p, pp.width)+"\x1b[K") // ESC [ K clears the rest of the line
		pp.drawn = true
		return
	}
	if time.Since(pp.last) < time.Second {
		return
	}
	pp.last = time.Now()
	fmt.Fprintf(pp.w, "progress: %d/%d done=%d skipped=%d failed=%d rate=%.0f/s\n",
		visited(p), p.Total, p.Done, p.Skipped, p.Failed, p.Rate)
}

// visited counts the records p's job has settled.
func visited(p vault.Progress) int64 { return p.Done + p.Skipped + p.Failed }

// maxBar is the widest bar drawn, however wide the terminal.
const maxBar = 40

// progressLine is p as a bar and counts in fewer than width columns (a
// line filling the last column wraps on some terminals): the bar shrinks
// first, and goes when fewer than five columns are left for it; the
// counts are cut last.
func progressLine(p vault.Progress, width int) string {
	counts := fmt.Sprintf(" %d/%d  %d failed  %.0f/s", visited(p), p.Total, p.Failed, p.Rate)
	room := width - 1 - len(counts) - 2 // the bar's brackets
	if room < 5 {
		s := strings.TrimSpace(counts)
		return s[:min(len(s), max(0, width-1))]
	}
	return bar(visited(p), p.Total, min(room, maxBar)) + counts
}

// end finishes the bar's line.
func (pp *progressPrinter) end() {
	if pp.drawn {
		fmt.Fprintln(pp.w)
	}
}

// bar draws a width-character progress bar for done of total.
func bar(done, total int64, width int) string {
	filled := width
	if total > 0 && done < total {
		filled = int(done * int64(width) / total)
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
}
