package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/credvault/credvault/vault"
)

// rotate runs a rotation job with progress on stderr and a summary on
// stdout.
func (c *cli) rotate(ctx context.Context, args []string) error {
	fs := c.flagSet("rotate")
	org := fs.String("org", "", "org whose records to rotate (required)")
	kind := fs.String("kind", "rewrap", "job: rewrap (DEKs to the current KEK key) or dek (fresh DEKs)")
	workers := fs.Int("workers", 8, "concurrent records")
	rate := fs.Float64("rate", 0, "KEK calls per second, 0 for no limit")
	pageSize := fs.Int("page-size", 500, "records per store page")
	dryRun := fs.Bool("dry-run", false, "count what would be rotated, write nothing")
	if _, err := parse(fs, args, 0, "no arguments besides flags"); err != nil {
		return err
	}
	if *org == "" || (*kind != "rewrap" && *kind != "dek") || *workers < 1 || *rate < 0 || *pageSize < 1 {
		return fmt.Errorf("%w: rotate needs -org, -kind rewrap|dek, -workers >= 1, -rate >= 0, -page-size >= 1", errUsage)
	}
	v, st, _, err := c.openVault(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	p := newProgressPrinter(c.stderr)
	job := vault.JobOptions{Org: *org, Workers: *workers, RatePerSecond: *rate, PageSize: *pageSize,
		DryRun: *dryRun, Progress: p.print}
	var s vault.Summary
	if *kind == "rewrap" { // resumes by itself: it selects the records still under an old key
		s, err = v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: job})
	} else {
		s, err = v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: job, Checkpoints: st})
	}
	p.end()
	return c.summarize(*kind, s, err)
}

// summarize prints the job's summary and its per-record errors.
func (c *cli) summarize(kind string, s vault.Summary, err error) error {
	fmt.Fprintf(c.stdout, "%s: %d rotated, %d skipped, %d failed of %d in %s (%.0f records/s)\n",
		kind, s.Done, s.Skipped, s.Failed, s.Total, s.Elapsed.Round(time.Millisecond), s.Rate)
	for _, re := range s.Errors {
		fmt.Fprintln(c.stderr, "credvault: failed:", re.Error())
	}
	switch {
	case err != nil:
		return fmt.Errorf("rotate: %w", err)
	case s.Failed > 0:
		return fmt.Errorf("rotate: %w: %d", errPartial, s.Failed)
	}
	return nil
}

// A progressPrinter shows job progress: a bar redrawn in place on a
// terminal, plain lines (at most one a second) otherwise.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	last     time.Time
	drawn    bool
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	return &progressPrinter{w: w, terminal: isTerminal(w)}
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

// print shows p.
func (pp *progressPrinter) print(p vault.Progress) {
	visited := p.Done + p.Skipped + p.Failed
	if pp.terminal {
		fmt.Fprintf(pp.w, "\r%s %d/%d  %d failed  %.0f/s ", bar(visited, p.Total, 30), visited, p.Total, p.Failed, p.Rate)
		pp.drawn = true
		return
	}
	if time.Since(pp.last) < time.Second {
		return
	}
	pp.last = time.Now()
	fmt.Fprintf(pp.w, "progress: %d/%d done=%d skipped=%d failed=%d rate=%.0f/s\n",
		visited, p.Total, p.Done, p.Skipped, p.Failed, p.Rate)
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
