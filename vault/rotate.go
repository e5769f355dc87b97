package vault

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek"
)

// RotateOptions configure a rotation job. Org is required.
type RotateOptions struct {
	// Org whose records the job rotates.
	Org string
	// Workers bounds concurrent record rotations; 0 means 8.
	Workers int
	// RatePerSecond caps KEK calls per second across workers (KMS request
	// quotas are shared per account); 0 means unlimited.
	RatePerSecond float64
	// PageSize is how many records each store page holds; 0 means 500.
	PageSize int
	// Checkpoints, when set, lets a restarted job resume after the last
	// completed page instead of starting over. The checkpoint never passes
	// a record that failed: once one has, the job saves no later
	// checkpoint, so a restarted job visits it (and every record after
	// it) again, and its Summary counts it.
	Checkpoints Checkpointer
	// JobID names the job's checkpoint; "" means "<kind>/<org>".
	JobID string
	// Progress, when set, is called after every page and at the end.
	Progress func(Progress)
	// DryRun counts what the job would do and writes nothing.
	DryRun bool
	// StopOnError ends the job at the first failed record; by default
	// failures are counted, reported per record, and the job goes on.
	StopOnError bool
	// MaxErrors bounds the per-record errors kept in the Summary; 0 means 100.
	MaxErrors int
}

// Progress reports a running job.
type Progress struct {
	Done    int64   // records rotated (or, in a dry run, that would be)
	Skipped int64   // records already current, deleted or replaced meanwhile
	Failed  int64   // records that could not be rotated
	Total   int64   // records the job expects to visit (an estimate for DEK jobs)
	Rate    float64 // records per second so far
	Elapsed time.Duration
}

// A Summary is the result of a finished (or cancelled) job.
type Summary struct {
	Progress
	// Errors holds the first MaxErrors per-record failures.
	Errors []RecordError
	// Resumed reports that the job started from a checkpoint.
	Resumed bool
}

// A Checkpointer persists a job's cursor: the key after which every record
// is done. vault/store/sqlstore implements it; MemCheckpoints keeps
// checkpoints in memory.
type Checkpointer interface {
	LoadCheckpoint(ctx context.Context, jobID string) (after Key, ok bool, err error)
	SaveCheckpoint(ctx context.Context, jobID string, after Key) error
	ClearCheckpoint(ctx context.Context, jobID string) error
}

// errSkip marks a record that needed no work.
var errSkip = errors.New("skip")

// job is the machinery shared by the rotation jobs: paging, the worker
// pool, the rate limit, counting, checkpoints and progress.
type job struct {
	v       *Vault
	opts    RotateOptions
	limiter *rate.Limiter
	start   time.Time
	done    atomic.Int64
	skipped atomic.Int64
	failed  atomic.Int64
	total   int64
	mu      sync.Mutex
	errs    []RecordError
	fatal   error
	halted  atomic.Bool     // fatal is set: lets stopErr skip the lock
	spare   chan *pageBatch // settled pages' batches, for reuse (see runBatched)
	slots   chan struct{}   // one per worker: bounds every pool of the job together
}

func newJob(v *Vault, opts RotateOptions, kind string) (*job, error) {
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
	if opts.JobID == "" {
		opts.JobID = kind + "/" + opts.Org
	}
	j := &job{v: v, opts: opts, start: time.Now(), slots: make(chan struct{}, opts.Workers)}
	if opts.RatePerSecond > 0 {
		burst := max(1, int(opts.RatePerSecond/10))
		j.limiter = rate.NewLimiter(rate.Limit(opts.RatePerSecond), burst)
	}
	return j, nil
}

// wait blocks for one KEK call's worth of rate budget. When that budget
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

// A rotation is what a job does to each record, in the two forms the
// job's pages use. With a store that is not a BatchPutter (or in a dry
// run) each worker runs one: rotate and write a record by compare-and-swap.
// With a BatchPutter, workers run prepare (rotate without writing; dst
// is room the rotated envelope may be appended to), the page's results
// are written in one PutBatch, and conflict handles each record whose
// compare-and-swap lost there.
type rotation struct {
	one      func(context.Context, Record) error
	prepare  func(ctx context.Context, rec Record, dst []byte) (Record, error)
	conflict func(context.Context, Record) error
}

// errNotRun marks a record of a page the job stopped before preparing.
var errNotRun = errors.New("not run")

// run pages through q from its cursor, rotating every record with the
// worker pool; after each complete page it saves the checkpoint. With a
// BatchPutter store it writes each page in one batch, in a pipeline where
// listing, preparing and writing overlap (see runBatched).
func (j *job) run(ctx context.Context, q Query, r rotation) error {
	q.Limit = j.opts.PageSize
	if bp, ok := j.v.store.(BatchPutter); ok && !j.opts.DryRun {
		return j.runBatched(ctx, q, bp, r)
	}
	for {
		p, err := j.v.store.List(ctx, q)
		if err != nil {
			return fmt.Errorf("vault: rotation: list: %w", err)
		}
		j.each(ctx, len(p.Records), func(i int) { j.count(ctx, p.Records[i], r.one(ctx, p.Records[i])) })
		if err := j.stopErr(ctx); err != nil {
			return err
		}
		if !p.More {
			return nil
		}
		q.After = p.Next
		if err := j.checkpoint(ctx, q.After); err != nil {
			return err
		}
		j.report()
	}
}

// checkpoint saves after as the job's cursor, unless in a dry run or
// once a record has failed: the cursor then stays before that record, so
// that a resumed job retries it instead of forgetting it. Pages settle in
// order, so every failure counted so far is at or before after.
func (j *job) checkpoint(ctx context.Context, after Key) error {
	if j.opts.Checkpoints == nil || j.opts.DryRun || j.failed.Load() > 0 {
		return nil
	}
	if err := j.opts.Checkpoints.SaveCheckpoint(ctx, j.opts.JobID, after); err != nil {
		return fmt.Errorf("vault: rotation: checkpoint: %w", err)
	}
	return nil
}

// each runs fn(0), ..., fn(n-1) with at most Workers in flight across
// every call of each the job has running (the batched pipeline runs two:
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
	case errors.Is(err, errSkip):
		j.skipped.Add(1)
	case ctx.Err() != nil:
		// Cancelled mid-record: nothing was written; not a record failure.
	default:
		j.failed.Add(1)
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

func (j *job) progress() Progress {
	p := Progress{Done: j.done.Load(), Skipped: j.skipped.Load(), Failed: j.failed.Load(),
		Total: j.total, Elapsed: time.Since(j.start)}
	if s := p.Elapsed.Seconds(); s > 0 {
		p.Rate = float64(p.Done+p.Skipped+p.Failed) / s
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
	if err == nil && j.opts.Checkpoints != nil && !j.opts.DryRun {
		err = j.opts.Checkpoints.ClearCheckpoint(ctx, j.opts.JobID)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return Summary{Progress: j.progress(), Errors: j.errs, Resumed: resumed}, err
}

// cursor loads the job's checkpoint, if any.
func (j *job) cursor(ctx context.Context) (Key, bool, error) {
	if j.opts.Checkpoints == nil {
		return Key{}, false, nil
	}
	return j.opts.Checkpoints.LoadCheckpoint(ctx, j.opts.JobID)
}

// RewrapKEK moves every record of opts.Org whose DEK is wrapped by an
// older key onto the org KEK's current key. It rewraps server-side (the
// KEK's kek.Rewrapper, e.g. AWS KMS ReEncrypt) when offered, so plaintext
// DEKs never enter the process; otherwise it unwraps and wraps again in
// memory. Payloads are untouched. Each record is
// written by compare-and-swap on the version read, so a concurrent Put is
// never overwritten; a record changed meanwhile is re-read and skipped if
// already current. The job is naturally resumable: it selects records by
// key ID, so a restarted job finds only those still to do.
func (v *Vault) RewrapKEK(ctx context.Context, opts RotateOptions) (Summary, error) {
	// Selecting by key ID makes the job resumable by itself; a saved
	// cursor would only risk being read by a DEK job given the same JobID.
	opts.Checkpoints = nil
	j, err := newJob(v, opts, "rewrap")
	if err != nil {
		return Summary{}, err
	}
	kk, err := v.keys.KEK(ctx, opts.Org)
	if err != nil {
		return Summary{}, fmt.Errorf("vault: rewrap: resolve KEK: %w", err)
	}
	current, err := kk.CurrentKeyID(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("vault: rewrap: current key: %w", err)
	}
	usage, err := v.store.KeyUsage(ctx, opts.Org)
	if err != nil {
		return Summary{}, fmt.Errorf("vault: rewrap: key usage: %w", err)
	}
	for id, n := range usage {
		if id != current {
			j.total += n
		}
	}
	var old []string
	for id := range usage {
		if id != current {
			old = append(old, id)
		}
	}
	for i, id := range old {
		if err = j.run(ctx, Query{Org: opts.Org, KeyID: id}, v.rewrapRotation(j, kk, current)); err != nil {
			break
		}
		if i < len(old)-1 { // run reports every page but its last, which finish reports for the last key ID
			j.report()
		}
	}
	return j.finish(ctx, false, err)
}

// rewrapRotation is the KEK rewrap of one record to current.
func (v *Vault) rewrapRotation(j *job, kk kek.KEK, current string) rotation {
	return rotation{
		one: func(ctx context.Context, rec Record) error { return v.rewrapRecord(ctx, j, kk, current, rec) },
		prepare: func(ctx context.Context, rec Record, dst []byte) (Record, error) {
			if rec.KeyID == current {
				return Record{}, errSkip
			}
			out, keyID, err := v.rewrapEnvelope(ctx, j, kk, rec, dst)
			return Record{Key: rec.Key, KeyID: keyID, Envelope: out}, err
		},
		conflict: func(ctx context.Context, rec Record) error {
			fresh, err := v.store.Get(ctx, rec.Key)
			if errors.Is(err, ErrNotFound) {
				return errSkip
			} else if err != nil {
				return err
			}
			return v.rewrapRecord(ctx, j, kk, current, fresh)
		},
	}
}

// rewrapRecord rewraps one record, retrying once after a lost race.
func (v *Vault) rewrapRecord(ctx context.Context, j *job, kk kek.KEK, current string, rec Record) error {
	for attempt := 0; ; attempt++ {
		if rec.KeyID == current {
			return errSkip
		}
		out, keyID, err := v.rewrapEnvelope(ctx, j, kk, rec, nil)
		if err != nil || j.opts.DryRun {
			return err
		}
		_, err = v.store.Put(ctx, Record{Key: rec.Key, KeyID: keyID, Envelope: out}, rec.Version)
		if !errors.Is(err, ErrConflict) || attempt > 0 {
			return err
		}
		if rec, err = v.store.Get(ctx, rec.Key); errors.Is(err, ErrNotFound) {
			return errSkip
		} else if err != nil {
			return err
		}
	}
}

// rewrapEnvelope returns rec's envelope with its DEK wrapped by the
// current key, appended to dst, and that key's ID.
func (v *Vault) rewrapEnvelope(ctx context.Context, j *job, kk kek.KEK, rec Record, dst []byte) ([]byte, string, error) {
	env, err := parseRecord(rec)
	if err != nil {
		return nil, "", err
	}
	s := getScratch()
	defer s.release()
	aad := kekAAD(rec.Key, envelope.DEKAAD(s.hdr[:0], env.Version, rec.Org, rec.Registry, env.Kind))
	if err := j.wait(ctx); err != nil {
		return nil, "", err
	}
	if j.opts.DryRun {
		return nil, "", nil
	}
	var wrapped []byte
	var keyID string
	if rw, ok := kk.(kek.Rewrapper); ok {
		v.n.rewraps.Add(1)
		wrapped, keyID, err = rw.Rewrap(ctx, env.KeyID, env.WrappedDEK, aad)
		if errors.Is(err, kek.ErrUnwrap) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	} else {
		wrapped, keyID, err = v.rewrapLocally(ctx, j, kk, &env, aad)
	}
	if err != nil {
		return nil, "", fmt.Errorf("rewrap DEK: %w", err)
	}
	env.WrappedDEK, env.KeyID = wrapped, keyID
	out, err := env.Append(dst)
	return out, keyID, err
}

// rewrapLocally unwraps and wraps again. Like a server-side rewrap, it
// does not judge the payload: the record opens afterwards exactly when it
// opened before (same DEK, same payload, same commitment), and Open is
// what checks the commitment.
func (v *Vault) rewrapLocally(ctx context.Context, j *job, kk kek.KEK, env *envelope.Envelope, aad kek.AAD) ([]byte, string, error) {
	v.n.unwraps.Add(1)
	dek, err := kk.Unwrap(ctx, env.KeyID, env.WrappedDEK, aad)
	if err != nil {
		if errors.Is(err, kek.ErrUnwrap) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return nil, "", err
	}
	defer clear(dek)
	if err := j.wait(ctx); err != nil {
		return nil, "", err
	}
	v.n.wraps.Add(1)
	return kk.Wrap(ctx, dek, aad)
}

// RotateDEKs re-encrypts every record of opts.Org under a fresh DEK (and
// the KEK's current key). It opens each record, which authenticates it,
// seals its payload and metadata again exactly as they were sealed (not
// re-validated: a record Open accepts can always be rotated), and writes
// it by compare-and-swap; a record replaced by a concurrent Put already
// has a fresh DEK and is skipped. With Checkpoints set, a restarted job
// resumes after the last page completed before any record failed.
func (v *Vault) RotateDEKs(ctx context.Context, opts RotateOptions) (Summary, error) {
	j, err := newJob(v, opts, "dek")
	if err != nil {
		return Summary{}, err
	}
	after, resumed, err := j.cursor(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("vault: rotate DEKs: checkpoint: %w", err)
	}
	usage, err := v.store.KeyUsage(ctx, opts.Org)
	if err != nil {
		return Summary{}, fmt.Errorf("vault: rotate DEKs: key usage: %w", err)
	}
	for _, n := range usage {
		j.total += n
	}
	err = j.run(ctx, Query{Org: opts.Org, After: after}, rotation{
		one:      func(ctx context.Context, rec Record) error { return v.reencryptRecord(ctx, j, rec) },
		prepare:  func(ctx context.Context, rec Record, _ []byte) (Record, error) { return v.reencrypt(ctx, j, rec) },
		conflict: func(ctx context.Context, rec Record) error { return v.dekConflict(ctx, j, rec) },
	})
	return j.finish(ctx, resumed, err)
}

func (v *Vault) reencryptRecord(ctx context.Context, j *job, rec Record) error {
	next, err := v.reencrypt(ctx, j, rec)
	if err != nil || j.opts.DryRun {
		return err
	}
	_, err = v.store.Put(ctx, next, rec.Version)
	if errors.Is(err, ErrConflict) {
		return v.dekConflict(ctx, j, rec)
	}
	return err
}

// maxDEKRetries bounds how often a DEK rotation re-reads a record that
// keeps changing under it.
const maxDEKRetries = 3

// dekConflict settles a lost compare-and-swap for a DEK rotation. A record
// rewritten with a new DEK (a Put) or gone needs nothing; one whose version
// moved but whose DEK did not (a concurrent KEK rewrap) is re-read and
// re-encrypted, so the job never reports a record done that still has its
// old DEK.
func (v *Vault) dekConflict(ctx context.Context, j *job, read Record) error {
	for range maxDEKRetries {
		cur, err := v.store.Get(ctx, read.Key)
		if errors.Is(err, ErrNotFound) {
			return errSkip
		}
		if err != nil {
			return err
		}
		same, err := sameDEK(read, cur)
		if err != nil {
			return err
		}
		if !same {
			return errSkip
		}
		next, err := v.reencrypt(ctx, j, cur)
		if err != nil {
			return err
		}
		if _, err = v.store.Put(ctx, next, cur.Version); !errors.Is(err, ErrConflict) {
			return err
		}
		read = cur
	}
	return fmt.Errorf("%w: record kept changing during DEK rotation", ErrConflict)
}

// sameDEK reports whether cur, the record now stored at read's key,
// still carries read's DEK: the key commitment identifies it. A record
// that does not parse is corrupt (ErrCorrupt), not changed.
func sameDEK(read, cur Record) (bool, error) {
	er, err := parseRecord(read)
	if err != nil {
		return false, err
	}
	ec, err := parseRecord(cur)
	if err != nil {
		return false, err
	}
	return er.Commitment == ec.Commitment, nil
}

// reencrypt opens rec and seals its payload and metadata again under a
// fresh DEK; in a dry run it only opens it. It re-seals the decrypted
// bytes rather than the decoded credential: Seal would hold the
// credential to today's field rules, and a record sealed under looser
// ones, which Open accepts, would never rotate.
func (v *Vault) reencrypt(ctx context.Context, j *job, rec Record) (Record, error) {
	env, err := parseRecord(rec)
	if err != nil {
		return Record{}, err
	}
	kk, err := v.keys.KEK(ctx, rec.Org)
	if err != nil {
		return Record{}, fmt.Errorf("vault: open %s: resolve KEK: %w", rec.Key, err)
	}
	s := getScratch()
	defer s.release()
	if err := j.wait(ctx); err != nil {
		return Record{}, err
	}
	pt, err := v.openPlaintext(ctx, kk, rec.Key, &env, s)
	if err == nil {
		_, err = decodeEntry(&env, pt) // what OpenRecord refuses, rotation refuses
	}
	defer clear(pt)
	if err != nil {
		return Record{}, fmt.Errorf("vault: open %s: %w", rec.Key, err)
	}
	if j.opts.DryRun {
		return Record{}, nil
	}
	if err := j.wait(ctx); err != nil {
		return Record{}, err
	}
	meta := append(s.hdr[:0], env.Meta...)
	return v.sealEncoded(ctx, kk, rec.Key, s, env.Kind, meta, pt)
}

// KeyUsage counts the org's records per KEK key ID ("" for every org),
// for retiring key versions only when nothing uses them.
func (v *Vault) KeyUsage(ctx context.Context, org string) (map[string]int64, error) {
	return v.store.KeyUsage(ctx, org)
}

// MemCheckpoints is an in-memory Checkpointer (for tests and for jobs
// that need not survive a restart).
type MemCheckpoints struct {
	mu sync.Mutex
	m  map[string]Key
}

// LoadCheckpoint implements Checkpointer.
func (c *MemCheckpoints) LoadCheckpoint(_ context.Context, id string) (Key, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[id]
	return k, ok, nil
}

// SaveCheckpoint implements Checkpointer.
func (c *MemCheckpoints) SaveCheckpoint(_ context.Context, id string, after Key) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]Key{}
	}
	c.m[id] = after
	return nil
}

// ClearCheckpoint implements Checkpointer.
func (c *MemCheckpoints) ClearCheckpoint(_ context.Context, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
	return nil
}
