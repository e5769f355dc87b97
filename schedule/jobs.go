package schedule

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/credvault/credvault/providers/stored"
	"github.com/credvault/credvault/vault"
)

// rotateKEK rotates org's KEK when the stamp says its primary is older
// than p.KEKMaxAge. The first run only starts the clock: a scheduler
// cannot tell how old a primary it never saw is.
func (s *Scheduler) rotateKEK(ctx context.Context, org string, p Policy) error {
	if due, err := s.due(ctx, "kek", org, p.KEKMaxAge, true); err != nil || !due {
		return err
	}
	id, err := s.opts.Keys.Rotate(ctx, org)
	if err != nil {
		return err
	}
	s.opts.Logger.InfoContext(ctx, "schedule: KEK rotated", "org", org, "keyID", id)
	return s.setStamp(ctx, "kek", org)
}

// due reports whether job is due for org, every after its stamp. A job
// never stamped is due now unless baseline, in which case it is stamped
// now instead: its clock starts at the scheduler's first look.
func (s *Scheduler) due(ctx context.Context, job, org string, every time.Duration, baseline bool) (bool, error) {
	since, ok, err := s.stamp(ctx, job, org)
	switch {
	case err != nil:
		return false, err
	case !ok && baseline:
		return false, s.setStamp(ctx, job, org)
	case !ok:
		return true, nil
	}
	return !s.opts.Now().Before(since.Add(every)), nil
}

// rewrap moves org's records onto the primary.
func (s *Scheduler) rewrap(ctx context.Context, org string, p Policy) error {
	sum, err := s.v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: s.jobOptions(org, p)})
	if sum.Done+sum.Failed > 0 {
		s.opts.Logger.InfoContext(ctx, "schedule: rewrap", "org", org, "done", sum.Done, "skipped", sum.Skipped, "failed", sum.Failed)
	}
	if err == nil && sum.Failed > 0 {
		err = fmt.Errorf("%d records failed to rewrap (first: %w)", sum.Failed, sum.Errors[0])
	}
	return err
}

// jobOptions are the rotation jobs' options for org under p. They take
// no lease of their own: the scheduler holds it.
func (s *Scheduler) jobOptions(org string, p Policy) vault.JobOptions {
	return vault.JobOptions{Org: org, Workers: p.Workers, RatePerSecond: p.RatePerSecond}
}

// retire retires each of org's older versions that no record uses,
// once p.RetireGrace has passed since the last KEK rotation.
func (s *Scheduler) retire(ctx context.Context, org string, p Policy) error {
	if p.KEKMaxAge > 0 {
		since, ok, err := s.stamp(ctx, "kek", org)
		if err != nil || (ok && s.opts.Now().Before(since.Add(orDefault(p.RetireGrace, DefaultRetireGrace)))) {
			return err
		}
	}
	ids, err := s.opts.Keys.Retirable(ctx, org)
	if err != nil {
		return err
	}
	usage, err := s.v.KeyUsage(ctx, org)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if usage[id] > 0 {
			continue
		}
		if err := s.opts.Keys.Retire(ctx, org, id); err != nil {
			errs = append(errs, err)
			continue
		}
		s.opts.Logger.InfoContext(ctx, "schedule: KEK version retired", "org", org, "keyID", id)
	}
	return errors.Join(errs...)
}

// rotateDEKs re-encrypts org's records under fresh DEKs when due,
// resuming a rotation a previous holder left unfinished.
func (s *Scheduler) rotateDEKs(ctx context.Context, org string, p Policy) error {
	if due, err := s.due(ctx, "dek", org, p.DEKMaxAge, true); err != nil || !due {
		return err
	}
	sum, err := s.v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: s.jobOptions(org, p), Checkpoints: s.opts.Stamps})
	s.opts.Logger.InfoContext(ctx, "schedule: DEK rotation", "org", org, "done", sum.Done, "skipped", sum.Skipped,
		"failed", sum.Failed, "resumed", sum.Resumed)
	if err == nil && sum.Failed > 0 {
		err = fmt.Errorf("%d records failed to rotate (first: %w)", sum.Failed, sum.Errors[0])
	}
	if err != nil {
		return err
	}
	return s.setStamp(ctx, "dek", org)
}

// sweep re-tests every registry of org when due and records the results.
func (s *Scheduler) sweep(ctx context.Context, org string, p Policy) error {
	if due, err := s.due(ctx, "health", org, p.HealthEvery, false); err != nil || !due {
		return err
	}
	limit := rate.NewLimiter(rate.Limit(orDefault(p.HealthRate, 10)), 1)
	keys := make(chan vault.Key)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for range orDefault(p.Workers, 8) {
		wg.Go(func() {
			for k := range keys {
				if err := s.test(ctx, limit, k); err != nil && ctx.Err() == nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	err := s.eachKey(ctx, org, keys)
	close(keys)
	wg.Wait()
	if err = errors.Join(append(errs, err)...); err != nil {
		return err
	}
	return s.setStamp(ctx, "health", org)
}

// test tests the record at k and records the result.
func (s *Scheduler) test(ctx context.Context, limit *rate.Limiter, k vault.Key) error {
	if err := limit.Wait(ctx); err != nil {
		return err
	}
	res := stored.Test(ctx, s.v, k, s.opts.Test)
	err := s.v.RecordHealth(ctx, k, res, s.opts.Now())
	if errors.Is(err, vault.ErrNotFound) {
		return nil // deleted since it was listed
	}
	return err
}

// eachKey sends the key of every record of org to keys.
func (s *Scheduler) eachKey(ctx context.Context, org string, keys chan<- vault.Key) error {
	q := vault.Query{Org: org, Limit: vault.MaxPageSize}
	for {
		page, err := s.v.Store().List(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range page.Records {
			select {
			case keys <- r.Key:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if !page.More {
			return nil
		}
		q.After = page.Next
	}
}

// stamp returns when job last completed for org, if ever. Stamps are
// kept as checkpoints named "schedule/<job>/<org>" whose cursor's
// Registry holds the time in Unix nanoseconds.
func (s *Scheduler) stamp(ctx context.Context, job, org string) (time.Time, bool, error) {
	k, ok, err := s.opts.Stamps.LoadCheckpoint(ctx, stampID(job, org))
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	ns, err := strconv.ParseInt(k.After.Registry, 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("schedule: stamp %s: %w", stampID(job, org), err)
	}
	return time.Unix(0, ns), true, nil
}

// setStamp records that job completed for org now.
func (s *Scheduler) setStamp(ctx context.Context, job, org string) error {
	now := strconv.FormatInt(s.opts.Now().UnixNano(), 10)
	return s.opts.Stamps.SaveCheckpoint(ctx, stampID(job, org), vault.Checkpoint{After: vault.Key{Org: org, Registry: now}})
}

func stampID(job, org string) string { return "schedule/" + job + "/" + org }
