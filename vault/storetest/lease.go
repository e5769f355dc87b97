package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/vault"
)

// leaseChecks run against stores that offer vault.Leaser. A ttl of 0
// makes a term that is over as soon as it starts, so expiry is tested
// without sleeping; a running term gets an hour.
var leaseChecks = []check{
	{"LeaseHeldByOne", offering(testLeaseHeldByOne)},
	{"LeaseExpiredPasses", offering(testLeaseExpiredPasses)},
	{"LeaseRenew", offering(testLeaseRenew)},
	{"LeaseRelease", offering(testLeaseRelease)},
	{"LeaseNamesIndependent", offering(testLeaseNamesIndependent)},
	{"LeaseRaceOneWinner", offering(testLeaseRace)},
}

const (
	running = time.Hour
	over    = time.Duration(0)
)

// mustAcquire acquires name for holder or fails the test.
func mustAcquire(t *testing.T, ls vault.Leaser, name, holder string, ttl time.Duration) vault.Lease {
	t.Helper()
	l, err := ls.AcquireLease(t.Context(), name, holder, ttl)
	requireNoError(t, err, "AcquireLease %s by %s", name, holder)
	requireTrue(t, l.Name == name && l.Holder == holder && l.Token > 0, "AcquireLease returned %+v", l)
	requireFalse(t, l.Expires.Before(l.Acquired), "lease expires before it starts: %+v", l)
	return l
}

// requireHeld requires that holder cannot take name.
func requireHeld(t *testing.T, ls vault.Leaser, name, holder string) {
	t.Helper()
	_, err := ls.AcquireLease(t.Context(), name, holder, running)
	requireErrorIs(t, err, vault.ErrLeaseHeld, "AcquireLease %s by %s", name, holder)
}

func testLeaseHeldByOne(t *testing.T, _ vault.Store, ls vault.Leaser) {
	a := mustAcquire(t, ls, "rewrap/acme", "a", running)
	requireHeld(t, ls, "rewrap/acme", "b")
	again := mustAcquire(t, ls, "rewrap/acme", "a", running)
	requireTrue(t, again.Token > a.Token, "a holder taking its own lease again starts a new term: %d then %d", a.Token, again.Token)
	_, err := ls.RenewLease(t.Context(), a, running)
	requireErrorIs(t, err, vault.ErrLeaseLost, "renewing a superseded term")
}

func testLeaseExpiredPasses(t *testing.T, _ vault.Store, ls vault.Leaser) {
	a := mustAcquire(t, ls, "rewrap/acme", "a", over)
	b := mustAcquire(t, ls, "rewrap/acme", "b", running)
	requireTrue(t, b.Token > a.Token, "tokens must grow: %d then %d", a.Token, b.Token)
	_, err := ls.RenewLease(t.Context(), a, running)
	requireErrorIs(t, err, vault.ErrLeaseLost, "renewing an expired term another holder took")
	requireNoError(t, ls.ReleaseLease(t.Context(), a), "releasing a term already over")
	requireHeld(t, ls, "rewrap/acme", "c")

	c := mustAcquire(t, ls, "dek/acme", "c", over)
	_, err = ls.RenewLease(t.Context(), c, running)
	requireErrorIs(t, err, vault.ErrLeaseLost, "renewing an expired term nobody took")
}

func testLeaseRenew(t *testing.T, _ vault.Store, ls vault.Leaser) {
	a := mustAcquire(t, ls, "rewrap/acme", "a", time.Minute)
	r, err := ls.RenewLease(t.Context(), a, running)
	requireNoError(t, err)
	requireTrue(t, r.Token == a.Token && r.Holder == "a" && r.Expires.After(a.Expires), "renewed %+v to %+v", a, r)
	requireHeld(t, ls, "rewrap/acme", "b")
	_, err = ls.RenewLease(t.Context(), vault.Lease{Name: a.Name, Holder: "b", Token: a.Token}, running)
	requireErrorIs(t, err, vault.ErrLeaseLost, "renewing as another holder")
}

func testLeaseRelease(t *testing.T, _ vault.Store, ls vault.Leaser) {
	a := mustAcquire(t, ls, "rewrap/acme", "a", running)
	requireNoError(t, ls.ReleaseLease(t.Context(), vault.Lease{Name: a.Name, Holder: "b", Token: a.Token}))
	requireHeld(t, ls, "rewrap/acme", "b") // another holder's release changes nothing
	requireNoError(t, ls.ReleaseLease(t.Context(), a))
	b := mustAcquire(t, ls, "rewrap/acme", "b", running)
	requireTrue(t, b.Token > a.Token, "tokens must grow after a release: %d then %d", a.Token, b.Token)
	requireNoError(t, ls.ReleaseLease(t.Context(), a), "releasing twice")
	requireHeld(t, ls, "rewrap/acme", "a")
	_, err := ls.RenewLease(t.Context(), a, running)
	requireErrorIs(t, err, vault.ErrLeaseLost, "renewing a released term")
}

func testLeaseNamesIndependent(t *testing.T, _ vault.Store, ls vault.Leaser) {
	mustAcquire(t, ls, "rewrap/acme", "a", running)
	mustAcquire(t, ls, "rewrap/acme-eu", "b", running)
	mustAcquire(t, ls, "dek/acme", "c", running)
	requireHeld(t, ls, "rewrap/acme-eu", "a")
}

// testLeaseRace has holders race for one free lease: exactly one wins.
func testLeaseRace(t *testing.T, _ vault.Store, ls vault.Leaser) {
	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			_, errs[i] = ls.AcquireLease(t.Context(), "health/acme", fmt.Sprint("replica-", i), running)
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		default:
			requireErrorIs(t, err, vault.ErrLeaseHeld, "racer %d", i)
		}
	}
	requireEqual(t, 1, won, "winners")
}
