package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// errInterrupted marks a job stopped by SIGINT or SIGTERM (exit 130).
var errInterrupted = errors.New("interrupted")

// rotate runs a rotation job with progress on stderr and a summary on
// stdout. Interrupted (ctx cancelled by a signal), it stops after the
// records in flight, prints the summary and how to resume.
func (c *cli) rotate(ctx context.Context, args []string) error {
	fs := c.flagSet("rotate")
	org := fs.String("org", "", "org whose records to rotate (required)")
	kind := fs.String("kind", "rewrap", "job: rewrap (DEKs to the current KEK key) or dek (fresh DEKs)")
	workers := fs.Int("workers", 8, "concurrent records")
	rate := fs.Float64("rate", 0, "records per second, as the progress shows; 0 for no limit")
	pageSize := fs.Int("page-size", 500, "records per store page")
	dryRun := fs.Bool("dry-run", false, "count what would be rotated, write nothing")
	restart := fs.Bool("restart", false, "with -kind dek: forget an interrupted run's checkpoint and start over")
	if _, err := parse(fs, args, 0, "no arguments besides flags"); err != nil {
		return err
	}
	if *org == "" || (*kind != "rewrap" && *kind != "dek") || *workers < 1 || *rate < 0 || *pageSize < 1 {
		return fmt.Errorf("%w: rotate needs -org, -kind rewrap|dek, -workers >= 1, -rate >= 0, -page-size >= 1", errUsage)
	}
	if *restart && (*kind != "dek" || *dryRun) {
		return fmt.Errorf("%w: -restart is for -kind dek without -dry-run: a rewrap keeps no checkpoint, and a dry run writes none", errUsage)
	}
	v, st, keys, err := c.openVault(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := keys.KEK(ctx, *org); err != nil { // before a DEK job would fail every record for it
		return keysetHint(*org, err)
	}
	p := newProgressPrinter(c.stderr, c.getenv)
	job := vault.JobOptions{Org: *org, Workers: *workers, RatePerSecond: *rate, PageSize: *pageSize,
		DryRun: *dryRun, Progress: p.print}
	var s vault.Summary
	var prior int64        // records counted by earlier runs of a resumed job
	if *kind == "rewrap" { // resumes by itself: it selects the records still under an old key
		s, err = v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: job})
	} else {
		jobID := "dek/" + *org
		if prior, err = c.resumeOrRestart(ctx, st, jobID, *restart); err != nil {
			return err
		}
		s, err = v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: job, Checkpoints: st, JobID: jobID})
	}
	p.end()
	return c.summarize(*kind, *dryRun, prior, s, err)
}

// resumeOrRestart says whether the DEK job jobID resumes from a
// checkpoint, and from where, or with restart forgets the checkpoint. It
// returns the records the checkpoint counts as visited.
func (c *cli) resumeOrRestart(ctx context.Context, st *sqlstore.Store, jobID string, restart bool) (int64, error) {
	cp, ok, err := st.LoadCheckpoint(ctx, jobID)
	switch {
	case err != nil:
		return 0, err
	case !ok:
		return 0, nil
	case restart:
		fmt.Fprintf(c.stderr, "%s: starting over: forgot the checkpoint after %s (%d records visited)\n",
			jobID, cp.After, cp.Done+cp.Skipped)
		return 0, st.ClearCheckpoint(ctx, jobID)
	}
	fmt.Fprintf(c.stderr, "%s: resuming after %s, where an earlier run stopped (%d records visited before it); -restart starts over\n",
		jobID, cp.After, cp.Done+cp.Skipped)
	return cp.Done + cp.Skipped, nil
}

// summarize prints the job's summary, its per-record errors and, when a
// signal stopped it, how to resume.
func (c *cli) summarize(kind string, dryRun bool, prior int64, s vault.Summary, err error) error {
	label, verb, skipped := kind, "rotated", "skipped"
	if dryRun {
		label, verb, skipped = kind+" (dry run, nothing written)", "would rotate", "would skip"
	}
	run := ""
	if prior > 0 {
		run = fmt.Sprintf(", %d of them in this run", visited(s.Progress)-prior)
	}
	fmt.Fprintf(c.stdout, "%s: %d %s, %d %s, %d failed of %d%s in %s (%.0f records/s)\n",
		label, s.Done, verb, s.Skipped, skipped, s.Failed, s.Total, run, s.Elapsed.Round(time.Millisecond), s.Rate)
	for _, re := range s.Errors {
		fmt.Fprintln(c.stderr, "credvault: failed:", re.Error())
	}
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(c.stderr, resumeHint(kind))
		return fmt.Errorf("rotate: %w", errInterrupted)
	case err != nil:
		return fmt.Errorf("rotate: %w", err)
	case s.Failed > 0:
		return fmt.Errorf("rotate: %w: %d", errPartial, s.Failed)
	}
	return nil
}

// resumeHint says how to resume an interrupted job of kind.
func resumeHint(kind string) string {
	if kind == "dek" {
		return "credvault: interrupted: nothing half-written; run the same command again to resume from the last checkpoint, or add -restart to start over"
	}
	return "credvault: interrupted: nothing half-written; run the same command again: a rewrap resumes with the records still under older keys"
}
