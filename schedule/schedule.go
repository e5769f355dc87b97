// Package schedule runs an organization's key and health jobs from a
// policy, inside the service that embeds it, the way Vault transit's
// auto_rotate_period or KMS automatic rotation do for one key, but for
// the whole envelope: the KEK, the records wrapped by it, their DEKs,
// retired key versions and the registries' health.
//
// # Jobs
//
// On every tick ([Scheduler.RunOnce]) and for every org of the policy
// table, in this order:
//
//   - kek: rotate the org's KEK once its primary is older than
//     KEKMaxAge ([KeyManager.Rotate]); a primary the scheduler did not
//     make is aged from the scheduler's first look at the org;
//   - rewrap: when any record is wrapped by another version than the
//     primary, move it there ([vault.Vault.RewrapKEK]);
//   - retire: once no record uses an older version and RetireGrace has
//     passed since the last rotation, retire it ([KeyManager.Retire]:
//     kek/local disables it, which it refuses while any record still
//     uses the version);
//   - dek: re-encrypt every record under a fresh DEK once DEKMaxAge has
//     passed since the last complete DEK rotation, or since the first
//     look ([vault.Vault.RotateDEKs], resuming from its checkpoint);
//   - health: re-test every stored registry at once and then whenever
//     HealthEvery has passed since the last complete sweep
//     ([stored.Test], at most HealthRate tests a second), recording each
//     result with [vault.Vault.RecordHealth].
//
// # Replicas
//
// Every job runs under a lease in the store, named "<job>/<org>"
// ([vault.RunLeased]): among replicas sharing one database one runs it
// at a time, and a replica that finds it held skips it until the next
// tick. When a job's time is due is kept in the store too (see
// [Scheduler]), so replicas agree on it and a restart does not reset it.
//
// # Clock
//
// Options.Now is the clock policies are judged by; tests inject one.
// Leases are timed by the store's clock and real time, whatever Now says.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

// A Policy says what the scheduler keeps up for one org. A zero duration
// turns its job off.
type Policy struct {
	// KEKMaxAge is how long a KEK primary serves before a rotation.
	KEKMaxAge time.Duration
	// Rewrap moves records onto the primary whenever one is not on it.
	Rewrap bool
	// Retire retires versions no record uses once a rewrap is complete
	// and, under a KEKMaxAge, RetireGrace after the last rotation.
	Retire bool
	// RetireGrace gives writers that still hold the previous primary
	// (another replica's cached keyset) time to see the new one before
	// the old is retired; 0 means DefaultRetireGrace.
	RetireGrace time.Duration
	// DEKMaxAge is how long records keep their DEKs between DEK rotations.
	DEKMaxAge time.Duration
	// HealthEvery is how often every stored registry is re-tested.
	HealthEvery time.Duration
	// RatePerSecond caps the records per second of the rotation jobs (as
	// vault.JobOptions.RatePerSecond); 0 means unlimited.
	RatePerSecond float64
	// Workers bounds each job's concurrency; 0 means 8.
	Workers int
	// HealthRate caps connection tests per second; 0 means 10.
	HealthRate float64
}

// DefaultRetireGrace is Policy.RetireGrace when it is 0.
const DefaultRetireGrace = time.Hour

// A KeyManager rotates and retires an org's KEK versions. [LocalKeys]
// adapts kek/local's Manager.
type KeyManager interface {
	// Rotate makes a new primary for org and returns its key ID.
	Rotate(ctx context.Context, org string) (string, error)
	// Retirable returns the key IDs of org's versions that are neither
	// the primary nor already retired.
	Retirable(ctx context.Context, org string) ([]string, error)
	// Retire retires the version keyID of org, refusing one that a
	// record still uses.
	Retire(ctx context.Context, org, keyID string) error
}

// Options configure a Scheduler.
type Options struct {
	// Policies maps each org to its policy.
	Policies map[string]Policy
	// Keys rotates and retires KEK versions; required by a policy with
	// KEKMaxAge or Retire.
	Keys KeyManager
	// Lease is how jobs take their leases. A zero Leaser means the
	// vault's store when it is a vault.Leaser; Holder is required then.
	Lease vault.LeaseOptions
	// Stamps keeps when each org's jobs last completed, and the DEK
	// rotation's checkpoint. nil means the vault's store when it is a
	// vault.Checkpointer, else memory (times then restart with the process).
	Stamps vault.Checkpointer
	// Test tunes the health sweep's connection tests.
	Test providers.Options
	// Tick is how often Run calls RunOnce; 0 means one minute.
	Tick time.Duration
	// Now is the policy clock; nil means time.Now.
	Now func() time.Time
	// Logger receives job events; nil means slog.Default().
	Logger *slog.Logger
}

// A Scheduler runs the policies' jobs; make one with New. It keeps, in
// Stamps, the time each org's KEK primary was first seen or rotated
// ("schedule/kek/<org>") and when its last DEK rotation and health sweep
// completed ("schedule/dek/<org>", "schedule/health/<org>").
type Scheduler struct {
	v    *vault.Vault
	opts Options
}

// Errors from New.
var (
	// ErrNoKeys: a policy rotates or retires KEKs but Options.Keys is nil.
	ErrNoKeys = errors.New("schedule: a policy rotates or retires KEKs but no KeyManager is set")
	// ErrNoLeaser: the store keeps no leases and Options.Lease has none.
	ErrNoLeaser = errors.New("schedule: no Leaser: the store keeps no leases and Options.Lease names none")
)

// New returns a Scheduler of v's jobs.
func New(v *vault.Vault, opts Options) (*Scheduler, error) {
	if opts.Lease.Leaser == nil {
		ls, ok := v.Store().(vault.Leaser)
		if !ok {
			return nil, ErrNoLeaser
		}
		opts.Lease.Leaser = ls
	}
	if opts.Lease.Holder == "" {
		return nil, fmt.Errorf("%w: schedule: Options.Lease.Holder is empty", vault.ErrInvalidEntry)
	}
	for org, p := range opts.Policies {
		if err := (vault.Key{Org: org, Registry: "-"}).Validate(); err != nil {
			return nil, err
		}
		if (p.KEKMaxAge > 0 || p.Retire) && opts.Keys == nil {
			return nil, ErrNoKeys
		}
	}
	if opts.Stamps == nil {
		opts.Stamps, _ = v.Store().(vault.Checkpointer)
		if opts.Stamps == nil {
			opts.Stamps = &vault.MemCheckpoints{}
		}
	}
	opts.Tick = orDefault(opts.Tick, time.Minute)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Scheduler{v: v, opts: opts}, nil
}

// orDefault returns v, or def when v is not positive.
func orDefault[T int | float64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Run calls RunOnce every Options.Tick until ctx ends, and returns ctx's
// error. Job errors are logged, not returned: the next tick tries again.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.opts.Tick)
	defer t.Stop()
	for {
		if err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.ErrorContext(ctx, "schedule: tick", "error", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// RunOnce runs every job that is due, for every org in turn, and returns
// the jobs' errors joined. A job whose lease another replica holds is
// skipped, not an error.
func (s *Scheduler) RunOnce(ctx context.Context) error {
	var errs []error
	for _, org := range slices.Sorted(maps.Keys(s.opts.Policies)) {
		if err := s.runOrg(ctx, org, s.opts.Policies[org]); err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

// runOrg runs org's due jobs in order; a failed job stops the org's
// later ones only where they depend on it (retire on rewrap).
func (s *Scheduler) runOrg(ctx context.Context, org string, p Policy) error {
	var errs []error
	if p.KEKMaxAge > 0 {
		errs = append(errs, s.job(ctx, "kek", org, func(ctx context.Context) error { return s.rotateKEK(ctx, org, p) }))
	}
	if p.Rewrap || p.Retire {
		err := s.job(ctx, "rewrap", org, func(ctx context.Context) error { return s.rewrap(ctx, org, p) })
		errs = append(errs, err)
		if p.Retire && err == nil {
			errs = append(errs, s.job(ctx, "retire", org, func(ctx context.Context) error { return s.retire(ctx, org, p) }))
		}
	}
	if p.DEKMaxAge > 0 {
		errs = append(errs, s.job(ctx, "dek", org, func(ctx context.Context) error { return s.rotateDEKs(ctx, org, p) }))
	}
	if p.HealthEvery > 0 {
		errs = append(errs, s.job(ctx, "health", org, func(ctx context.Context) error { return s.sweep(ctx, org, p) }))
	}
	return errors.Join(errs...)
}

// job runs fn under the lease "<name>/<org>", logging its outcome. A
// lease held elsewhere is a skip (nil).
func (s *Scheduler) job(ctx context.Context, name, org string, fn func(ctx context.Context) error) error {
	err := vault.RunLeased(ctx, s.opts.Lease, name+"/"+org, fn)
	switch {
	case errors.Is(err, vault.ErrLeaseHeld):
		s.opts.Logger.DebugContext(ctx, "schedule: job held by another replica", "job", name, "org", org)
		return nil
	case err != nil:
		s.opts.Logger.WarnContext(ctx, "schedule: job failed", "job", name, "org", org, "error", err)
		return fmt.Errorf("schedule: %s/%s: %w", name, org, err)
	}
	return nil
}
