package vault_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

func TestRunLeasedOneHolder(t *testing.T) {
	st := memstore.New()
	a := vault.LeaseOptions{Leaser: st, Holder: "a", TTL: time.Minute}
	b := vault.LeaseOptions{Leaser: st, Holder: "b", TTL: time.Minute}
	err := vault.RunLeased(t.Context(), a, "rewrap/acme", func(ctx context.Context) error {
		l, ok := vault.LeaseFromContext(ctx)
		if !ok || l.Holder != "a" || l.Name != "rewrap/acme" || l.Token == 0 {
			t.Errorf("LeaseFromContext = %+v, %v", l, ok)
		}
		return vault.RunLeased(ctx, b, "rewrap/acme", func(context.Context) error {
			t.Error("b ran while a held the lease")
			return nil
		})
	})
	if !errors.Is(err, vault.ErrLeaseHeld) {
		t.Fatalf("RunLeased by b under a: %v, want ErrLeaseHeld", err)
	}
	ran := false
	if err := vault.RunLeased(t.Context(), b, "rewrap/acme", func(context.Context) error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("RunLeased after a released: ran %v, %v", ran, err)
	}
}

func TestRunLeasedNoLeaser(t *testing.T) {
	ran := false
	err := vault.RunLeased(t.Context(), vault.LeaseOptions{}, "rewrap/acme", func(ctx context.Context) error {
		_, ok := vault.LeaseFromContext(ctx)
		ran = !ok
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("RunLeased without a leaser: ran %v, %v", ran, err)
	}
	err = vault.RunLeased(t.Context(), vault.LeaseOptions{Leaser: memstore.New()}, "x", func(context.Context) error { return nil })
	if !errors.Is(err, vault.ErrInvalidEntry) {
		t.Fatalf("RunLeased without a holder: %v, want ErrInvalidEntry", err)
	}
}

// renewHook is a Leaser whose renewals go through a hook.
type renewHook struct {
	vault.Leaser
	renew func(ctx context.Context, l vault.Lease, ttl time.Duration) (vault.Lease, error)
}

func (h renewHook) RenewLease(ctx context.Context, l vault.Lease, ttl time.Duration) (vault.Lease, error) {
	return h.renew(ctx, l, ttl)
}

func TestRunLeasedLostStopsJob(t *testing.T) {
	st := memstore.New()
	ls := renewHook{Leaser: st, renew: func(context.Context, vault.Lease, time.Duration) (vault.Lease, error) {
		return vault.Lease{}, vault.ErrLeaseLost
	}}
	var cause error
	err := vault.RunLeased(t.Context(), vault.LeaseOptions{Leaser: ls, Holder: "a", TTL: 30 * time.Millisecond}, "dek/acme",
		func(ctx context.Context) error {
			<-ctx.Done()
			cause = context.Cause(ctx)
			return ctx.Err()
		})
	if !errors.Is(err, vault.ErrLeaseLost) || !errors.Is(cause, vault.ErrLeaseLost) {
		t.Fatalf("RunLeased = %v (job cancelled by %v), want ErrLeaseLost", err, cause)
	}
}

// TestRunLeasedStopsBeforeExpiry has renewals hang, as against an
// unreachable store: the job must be stopped by the deadline of the
// first renewal, two thirds into the term.
func TestRunLeasedStopsBeforeExpiry(t *testing.T) {
	st := memstore.New()
	const ttl = 60 * time.Millisecond
	var deadline time.Time
	ls := renewHook{Leaser: st, renew: func(ctx context.Context, _ vault.Lease, _ time.Duration) (vault.Lease, error) {
		deadline, _ = ctx.Deadline()
		<-ctx.Done()
		return vault.Lease{}, ctx.Err()
	}}
	var cause error
	var term vault.Lease
	err := vault.RunLeased(t.Context(), vault.LeaseOptions{Leaser: ls, Holder: "a", TTL: ttl}, "dek/acme",
		func(ctx context.Context) error {
			term, _ = vault.LeaseFromContext(ctx)
			<-ctx.Done()
			cause = context.Cause(ctx)
			return nil
		})
	if !errors.Is(err, vault.ErrLeaseLost) || !errors.Is(cause, vault.ErrLeaseLost) {
		t.Fatalf("RunLeased = %v (job cancelled by %v), want ErrLeaseLost", err, cause)
	}
	// The store stamped the term after RunLeased sent the request: the
	// job must stop by two thirds of a term counted from there.
	if deadline.IsZero() || deadline.After(term.Acquired.Add(2*ttl/3)) {
		t.Fatalf("renewal deadline %v after the term began, want at most %v", deadline.Sub(term.Acquired), 2*ttl/3)
	}
}

func TestRunLeasedRenewsThroughHiccup(t *testing.T) {
	st := memstore.New()
	var calls atomic.Int32
	renewed := make(chan struct{}, 8)
	ls := renewHook{Leaser: st, renew: func(ctx context.Context, l vault.Lease, ttl time.Duration) (vault.Lease, error) {
		if calls.Add(1) == 1 {
			return vault.Lease{}, errors.New("connection reset")
		}
		renewed <- struct{}{}
		return st.RenewLease(ctx, l, ttl)
	}}
	err := vault.RunLeased(t.Context(), vault.LeaseOptions{Leaser: ls, Holder: "a", TTL: 300 * time.Millisecond}, "dek/acme",
		func(ctx context.Context) error {
			for range 3 {
				select {
				case <-renewed:
				case <-ctx.Done():
					return context.Cause(ctx)
				}
			}
			return nil
		})
	if err != nil {
		t.Fatalf("RunLeased through a failed renewal: %v", err)
	}
}

func TestRewrapUnderLease(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	seedRecords(t, e.v, e.store, "acme", 20)
	if _, err := e.keys.Rotate(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	held, err := e.store.AcquireLease(ctx, "rewrap/acme", "other", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	opts := vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme",
		Lease: vault.LeaseOptions{Leaser: e.store, Holder: "me", TTL: time.Minute}}}
	if _, err := e.v.RewrapKEK(ctx, opts); !errors.Is(err, vault.ErrLeaseHeld) {
		t.Fatalf("RewrapKEK while another holds the lease: %v, want ErrLeaseHeld", err)
	}
	if err := e.store.ReleaseLease(ctx, held); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var done, heldErrs atomic.Int64
	for _, holder := range []string{"r1", "r2", "r3", "r4"} {
		wg.Go(func() {
			o := opts
			o.Lease.Holder = holder
			s, err := e.v.RewrapKEK(ctx, o)
			switch {
			case errors.Is(err, vault.ErrLeaseHeld):
				heldErrs.Add(1)
			case err != nil:
				t.Errorf("%s: %v", holder, err)
			}
			done.Add(s.Done)
		})
	}
	wg.Wait()
	if done.Load() != 20 {
		t.Fatalf("replicas rewrapped %d records in all (%d refused by the lease), want exactly 20", done.Load(), heldErrs.Load())
	}
}
