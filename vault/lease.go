package vault

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Lease errors, matched with errors.Is.
var (
	// ErrLeaseHeld: another holder has the lease and it has not expired.
	ErrLeaseHeld = errors.New("vault: lease held by another holder")
	// ErrLeaseLost: the lease expired or passed to another holder (a
	// renewal came too late, or the store could not be reached in time).
	ErrLeaseLost = errors.New("vault: lease lost")
)

// A Lease is one holder's exclusive right, until Expires, to run the job
// it names (such as "rewrap/acme"). Times are the store's clock: the
// database's for PostgreSQL, so replicas' clocks need not agree.
type Lease struct {
	Name   string
	Holder string
	// Token is the lease's fencing token: it grows with every
	// acquisition, so it names one term of the lease. A write stamped
	// with it can be told from a write made in another term.
	Token    int64
	Acquired time.Time
	Expires  time.Time
}

// A Leaser keeps leases: the optional store capability that lets
// replicas sharing one store run each job in one replica at a time.
// memstore and sqlstore implement it; vault/storetest checks the
// contract.
type Leaser interface {
	// AcquireLease gives name to holder for ttl when it is free, expired
	// or already holder's, and returns the new term (a larger Token than
	// any before). It returns ErrLeaseHeld when another holder's term is
	// still running.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (Lease, error)
	// RenewLease extends l's term to ttl from now, or returns
	// ErrLeaseLost when l's term is over (expired, or another holder or
	// term took the lease).
	RenewLease(ctx context.Context, l Lease, ttl time.Duration) (Lease, error)
	// ReleaseLease ends l's term now so that another holder can take the
	// lease at once. Releasing a term already over is not an error.
	ReleaseLease(ctx context.Context, l Lease) error
}

// DefaultLeaseTTL is a lease's term when LeaseOptions.TTL is 0.
const DefaultLeaseTTL = 30 * time.Second

// LeaseOptions make a job run under a lease, so that among replicas
// sharing one store it runs in one at a time. The zero value takes no
// lease.
type LeaseOptions struct {
	// Leaser keeps the leases: the store, when it is a [Leaser].
	Leaser Leaser
	// Holder names this replica; it must be unique among the replicas
	// (a host name and process ID, say). Required with a Leaser.
	Holder string
	// TTL is a term's length; 0 means DefaultLeaseTTL. The holder
	// renews every TTL/3 and stops writing at 2·TTL/3 after its last
	// successful renewal began, a third of a term before the lease can
	// pass to another replica.
	TTL time.Duration
}

// leaseKey is the context key under which RunLeased keeps the term.
type leaseKey struct{}

// LeaseFromContext returns the lease term whose job ctx belongs to: the
// context RunLeased hands its function. A store can stamp or check
// writes with the term's fencing token.
func LeaseFromContext(ctx context.Context) (Lease, bool) {
	l, ok := ctx.Value(leaseKey{}).(Lease)
	return l, ok
}

// RunLeased runs fn while holding the lease name, or returns an error
// wrapping ErrLeaseHeld at once when another holder has it. fn's context
// is cancelled, with cause ErrLeaseLost, when a renewal fails or cannot
// succeed a third of a term before the lease expires, so a holder that
// loses its lease stops writing before another can take it; RunLeased
// then returns an error wrapping ErrLeaseLost as well as fn's. The lease
// is released when fn returns. With a zero o (no Leaser), fn runs with
// no lease.
func RunLeased(ctx context.Context, o LeaseOptions, name string, fn func(ctx context.Context) error) error {
	if o.Leaser == nil {
		return fn(ctx)
	}
	if o.Holder == "" {
		return fmt.Errorf("%w: lease %s: empty holder", ErrInvalidEntry, name)
	}
	ttl := o.TTL
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	sent := time.Now()
	l, err := o.Leaser.AcquireLease(ctx, name, o.Holder, ttl)
	if err != nil {
		return fmt.Errorf("vault: lease %s: %w", name, err)
	}
	jobCtx, cancel := context.WithCancelCause(context.WithValue(ctx, leaseKey{}, l))
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		heartbeat(jobCtx, o.Leaser, l, ttl, sent, cancel)
	}()
	err = fn(jobCtx)
	lost := errors.Is(context.Cause(jobCtx), ErrLeaseLost)
	cancel(nil)
	<-beat
	rctx, done := context.WithTimeout(context.WithoutCancel(ctx), ttl/3)
	defer done()
	if rerr := o.Leaser.ReleaseLease(rctx, l); rerr != nil && !lost {
		err = errors.Join(err, fmt.Errorf("vault: lease %s: release: %w", name, rerr))
	}
	if lost {
		err = errors.Join(err, fmt.Errorf("vault: lease %s (token %d): %w", name, l.Token, ErrLeaseLost))
	}
	return err
}

// runJobLeased runs fn, the body of the job kind for opts.Org, under
// the lease "<kind>/<org>" when opts.Lease asks for one.
func runJobLeased(ctx context.Context, opts JobOptions, kind string, fn func(ctx context.Context) error) error {
	if err := (Key{Org: opts.Org, Registry: "-"}).Validate(); err != nil {
		return err
	}
	return RunLeased(ctx, opts.Lease, kind+"/"+opts.Org, fn)
}

// heartbeat renews l every ttl/3 until ctx ends. Each renewal must
// succeed by 2·ttl/3 after the last successful one was sent (the lease
// runs at least ttl from then by the store's clock); otherwise heartbeat
// cancels ctx with ErrLeaseLost. A failed renewal is tried again until
// then, unless the store says the term is over.
func heartbeat(ctx context.Context, ls Leaser, l Lease, ttl time.Duration, sent time.Time, cancel context.CancelCauseFunc) {
	for {
		next := sent.Add(ttl / 3)
		stop := sent.Add(2 * ttl / 3)
		if !sleepUntil(ctx, next) {
			return
		}
		for {
			try := time.Now()
			rctx, done := context.WithDeadline(ctx, stop)
			nl, err := ls.RenewLease(rctx, l, ttl)
			done()
			if err == nil {
				l, sent = nl, try
				break
			}
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, ErrLeaseLost) || !time.Now().Before(stop) {
				cancel(fmt.Errorf("%w: %w", ErrLeaseLost, err))
				return
			}
			pause := time.Now().Add(ttl / 30)
			if pause.After(stop) {
				pause = stop
			}
			if !sleepUntil(ctx, pause) {
				return
			}
		}
	}
}

// sleepUntil waits until t, or returns false when ctx ends first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
