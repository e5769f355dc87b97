package vault

import (
	"context"
	"errors"
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
