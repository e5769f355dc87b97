package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/credvault/credvault/internal/vaultenv"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// errInterrupted marks a job stopped by SIGINT or SIGTERM (exit 130).
var errInterrupted = errors.New("interrupted")

// rotateFlags are rotate's flags.
type rotateFlags struct {
	org, kind         string
	workers, pageSize int
	rate              float64
	dryRun, restart   bool
}

// rotate runs a rotation job with progress on stderr and a summary on
// stdout, under the store's lease for the job ("<kind>/<org>", as
// service replicas take it), so that -restart never clears the
// checkpoint of a job running elsewhere. Interrupted (ctx cancelled by a
// signal), it stops after the records in flight, prints the summary and
// how to resume.
func (c *cli) rotate(ctx context.Context, args []string) error {
	f, err := c.rotateFlags(args)
	if err != nil {
		return err
	}
	v, st, keys, err := c.openVault(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	kk, err := keys.KEK(ctx, f.org)
	if err != nil { // before a DEK job would fail every record for it
		return vaultenv.KeysetHint(f.org, err)
	}
	lease := vault.LeaseOptions{Leaser: st, Holder: leaseHolder()}
	err = vault.RunLeased(ctx, lease, f.kind+"/"+f.org, func(ctx context.Context) error {
		return c.runRotation(ctx, v, st, kk, f)
	})
	if errors.Is(err, vault.ErrLeaseHeld) {
		return fmt.Errorf("rotate: another process (a service replica, another credvault) is running the %s job of %s: %w", f.kind, f.org, err)
	}
	return err
}

// rotateFlags parses rotate's flags.
func (c *cli) rotateFlags(args []string) (rotateFlags, error) {
	var f rotateFlags
	fs := c.flagSet("rotate")
	fs.StringVar(&f.org, "org", "", "org whose records to rotate (required)")
	fs.StringVar(&f.kind, "kind", "rewrap", "job: rewrap (DEKs to the current KEK key) or dek (fresh DEKs)")
	fs.IntVar(&f.workers, "workers", 8, "concurrent records")
	fs.Float64Var(&f.rate, "rate", 0, "records per second, as the progress shows; 0 for no limit")
	fs.IntVar(&f.pageSize, "page-size", 500, "records per store page")
	fs.BoolVar(&f.dryRun, "dry-run", false, "count what would be rotated, write nothing")
	fs.BoolVar(&f.restart, "restart", false, "with -kind dek: forget an interrupted run's checkpoint and start over")
	if _, err := parse(fs, args, 0, "no arguments besides flags"); err != nil {
		return f, err
	}
	if f.org == "" || (f.kind != "rewrap" && f.kind != "dek") || f.workers < 1 || f.rate < 0 || f.pageSize < 1 {
		return f, fmt.Errorf("%w: rotate needs -org, -kind rewrap|dek, -workers >= 1, -rate >= 0, -page-size >= 1", errUsage)
	}
	if f.restart && (f.kind != "dek" || f.dryRun) {
		return f, fmt.Errorf("%w: -restart is for -kind dek without -dry-run: a rewrap keeps no checkpoint, and a dry run writes none", errUsage)
	}
	return f, nil
}

// runRotation runs the job f asks for, holding its lease, and prints
// where it starts from and its summary.
func (c *cli) runRotation(ctx context.Context, v *vault.Vault, st *sqlstore.Store, kk kek.KEK, f rotateFlags) error {
	p := newProgressPrinter(c.stderr, c.getenv)
	job := vault.JobOptions{Org: f.org, Workers: f.workers, RatePerSecond: f.rate, PageSize: f.pageSize,
		DryRun: f.dryRun, Progress: p.print}
	var s vault.Summary
	var prior int64 // records counted by earlier runs of a resumed job
	var err error
	if f.kind == "rewrap" { // resumes by itself: it selects the records still under an old key
		if err := c.rewrapScope(ctx, st, kk, f.org); err != nil {
			return err
		}
		s, err = v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: job})
	} else {
		jobID := "dek/" + f.org
		if prior, err = c.resumeOrRestart(ctx, st, jobID, f.restart); err != nil {
			return err
		}
		s, err = v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: job, Checkpoints: st, JobID: jobID})
	}
	p.end()
	interrupted := ctx.Err() != nil && !errors.Is(context.Cause(ctx), vault.ErrLeaseLost) // a signal, not a lost lease
	return c.summarize(f.kind, f.dryRun, prior, s, interrupted, err)
}

// leaseHolder names this process among the holders of job leases.
func leaseHolder() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("credvault-cli@%s/%d", host, os.Getpid())
}

// rewrapScope says what a rewrap of org has to do: the records under
// older keys, and those already under the current one (after an
// interrupted run, the ones it did).
func (c *cli) rewrapScope(ctx context.Context, st *sqlstore.Store, kk kek.KEK, org string) error {
	current, err := kk.CurrentKeyID(ctx)
	if err != nil {
		return err
	}
	usage, err := st.KeyUsage(ctx, org)
	if err != nil {
		return err
	}
	var old int64
	for id, n := range usage {
		if id != current {
			old += n
		}
	}
	fmt.Fprintf(c.stderr, "rewrap/%s: %d records under older keys to rewrap to %s; %d already under it\n",
		org, old, current, usage[current])
	return nil
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
func (c *cli) summarize(kind string, dryRun bool, prior int64, s vault.Summary, interrupted bool, err error) error {
	label, verb, skipped := kind, "rotated", "skipped"
	if dryRun {
		label, verb, skipped = kind+" (dry run, nothing written)", "would rotate", "would skip"
	}
	run := ""
	if prior > 0 {
		run = fmt.Sprintf(" (%d in this run)", visited(s.Progress)-prior)
	}
	fmt.Fprintf(c.stdout, "%s: %d %s, %d %s, %d failed of %d%s in %s (%.0f records/s)\n",
		label, s.Done, verb, s.Skipped, skipped, s.Failed, s.Total, run, s.Elapsed.Round(time.Millisecond), s.Rate)
	for _, re := range s.Errors {
		fmt.Fprintln(c.stderr, "credvault: failed:", re.Error())
	}
	switch {
	case interrupted:
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
