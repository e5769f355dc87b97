package vault

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// JobOptions are the options every rotation job honours; each job's own
// options type ([RewrapOptions], [DEKOptions]) embeds them and adds only
// what that job honours too. Org is required.
type JobOptions struct {
	// Org whose records the job rotates.
	Org string
	// Workers bounds concurrent record rotations; 0 means 8.
	Workers int
	// RatePerSecond caps records per second across workers, the rate
	// Progress reports; 0 means unlimited. A record costs one or two KEK
	// calls (a server-side rewrap one, an unwrap and a wrap two), so a KMS
	// request quota q shared per account allows a rate of q/2.
	RatePerSecond float64
	// PageSize is how many records each store page holds; 0 means 500.
	PageSize int
	// Progress, when set, is called after every page and at the end.
	Progress func(Progress)
	// DryRun counts what the job would do and writes nothing.
	DryRun bool
	// StopOnError ends the job at the first failed record; by default
	// failures are counted, reported per record, and the job goes on.
	StopOnError bool
	// MaxErrors bounds the per-record errors kept in the Summary; 0 means 100.
	MaxErrors int
	// Lease, when its Leaser is set, makes the job run under the lease
	// "<job>/<org>" ("rewrap/acme", "dek/acme"): among replicas sharing
	// the store one runs it at a time, the others get ErrLeaseHeld at
	// once, and a holder that loses the lease stops (see [RunLeased]).
	// A replica taking over resumes where the last holder stopped: a
	// rewrap selects the records still to do, a DEK rotation resumes
	// from its checkpoint.
	Lease LeaseOptions
}

// Progress reports a running job. A job resumed from a checkpoint counts
// the records its earlier runs did before the checkpoint in Done and
// Skipped too, so the counts are the whole job's; Rate and Elapsed are
// the current run's.
type Progress struct {
	Done    int64   // records rotated (or, in a dry run, that would be)
	Skipped int64   // records already current, deleted or replaced meanwhile
	Failed  int64   // records that could not be rotated
	Total   int64   // records the job expects to visit (an estimate for DEK jobs)
	Rate    float64 // records per second so far in this run
	Elapsed time.Duration
}

// A Summary is the result of a finished (or cancelled) job.
type Summary struct {
	Progress
	// Errors holds the first MaxErrors per-record failures.
	Errors []RecordError
	// Resumed reports that the job started from a checkpoint (only a DEK
	// job keeps one: see [DEKOptions]).
	Resumed bool
}

// errSkip marks a record that needed no work.
var errSkip = errors.New("skip")

// job is the machinery shared by the rotation jobs: the store they page
// through, the worker pool, the rate limit, counting, checkpoints and
// progress.
type job struct {
	v       *Vault
	opts    JobOptions
	store   pageStore
	cp      Checkpointer // nil: the job keeps no cursor
	jobID   string       // the cursor's name in cp
	limiter *rate.Limiter
	start   time.Time
	done    atomic.Int64
	skipped atomic.Int64
	failed  atomic.Int64
	total   int64
	// Counted by the earlier runs of a resumed job, before its checkpoint.
	priorDone, priorSkipped int64
	mu                      sync.Mutex
	errs                    []RecordError
	fatal                   error
	halted                  atomic.Bool     // fatal is set: lets stopErr skip the lock
	spare                   chan *pageBatch // settled pages' batches, for reuse (see run)
	slots                   chan struct{}   // one per worker: bounds every pool of the job together
	obs                     jobObserver
}

// newJob returns a job of the given kind (jobRewrap, jobDEK).
func newJob(v *Vault, kind string, opts JobOptions) (*job, error) {
	if err := (Key{Org: opts.Org, Registry: "-"}).Validate(); err != nil {
		return nil, err
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = 100
	}
	j := &job{v: v, opts: opts, store: adaptStore(v.store, opts.Workers), start: time.Now(),
		slots: make(chan struct{}, opts.Workers), obs: v.observeJob(kind, opts)}
	if opts.RatePerSecond > 0 {
		burst := max(1, int(opts.RatePerSecond/10))
		j.limiter = rate.NewLimiter(rate.Limit(opts.RatePerSecond), burst)
	}
	return j, nil
}

// wait blocks for one record's worth of rate budget; each record's
// rotation calls it once, before its first KEK call. When that budget
// comes only after ctx's deadline, the limiter refuses at once; wait then
// blocks until ctx ends and returns ctx's error, so that the record is
// counted as cancelled, not failed, and the job stops at its deadline.
func (j *job) wait(ctx context.Context) error {
	if j.limiter == nil {
		return ctx.Err()
	}
	if err := j.limiter.Wait(ctx); err != nil {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

// each runs fn(0), ..., fn(n-1) with at most Workers in flight across
// every call of each the job has running (the pipeline runs two:
// preparing a page while settling the previous one), and stops starting
// new ones once the job must stop.
func (j *job) each(ctx context.Context, n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(j.opts.Workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || j.stopErr(ctx) != nil {
					return
				}
				j.slots <- struct{}{}
				if j.stopErr(ctx) != nil { // the job stopped while this waited for a slot
					<-j.slots
					return
				}
				fn(i)
				<-j.slots
			}
		})
	}
	wg.Wait()
}

// count records the outcome of one record.
func (j *job) count(ctx context.Context, rec Record, err error) {
	switch {
	case err == nil:
		j.done.Add(1)
		j.obs.record(ctx, j.obs.done)
	case errors.Is(err, errSkip):
		j.skipped.Add(1)
		j.obs.record(ctx, j.obs.skipped)
	case ctx.Err() != nil:
		// Cancelled mid-record: nothing was written; not a record failure.
	default:
		j.failed.Add(1)
		j.obs.record(ctx, j.obs.failed)
		j.mu.Lock()
		if len(j.errs) < j.opts.MaxErrors {
			j.errs = append(j.errs, RecordError{Key: rec.Key, Err: err})
		}
		if j.opts.StopOnError && j.fatal == nil {
			j.fatal = fmt.Errorf("vault: rotation stopped at %s: %w", rec.Key, err)
			j.halted.Store(true)
		}
		j.mu.Unlock()
	}
}

func (j *job) stopErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !j.halted.Load() {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.fatal
}

// progress counts the whole job, earlier runs included; Rate and
// Elapsed are this run's.
func (j *job) progress() Progress {
	done, skipped, failed := j.done.Load(), j.skipped.Load(), j.failed.Load()
	p := Progress{Done: j.priorDone + done, Skipped: j.priorSkipped + skipped, Failed: failed,
		Total: j.total, Elapsed: time.Since(j.start)}
	if s := p.Elapsed.Seconds(); s > 0 {
		p.Rate = float64(done+skipped+failed) / s
	}
	return p
}

func (j *job) report() {
	if j.opts.Progress != nil {
		j.opts.Progress(j.progress())
	}
}

// finish reports the end, clears the checkpoint after a complete run, and
// builds the summary.
func (j *job) finish(ctx context.Context, resumed bool, err error) (Summary, error) {
	j.report()
	if err == nil {
		err = j.clearCheckpoint(ctx)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	s := Summary{Progress: j.progress(), Errors: j.errs, Resumed: resumed}
	j.obs.finished(ctx, s.Progress, err)
	return s, err
}

// abort ends a job that failed before visiting any record.
func (j *job) abort(ctx context.Context, err error) (Summary, error) {
	j.obs.finished(ctx, j.progress(), err)
	return Summary{}, err
}
