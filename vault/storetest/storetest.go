// Package storetest is the conformance suite every [vault.Store] passes.
//
// A Store implementation's tests call [Run] with a constructor that returns
// a fresh, empty store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) vault.Store { return memstore.New() })
//	}
//
// # What it checks
//
// Get, Put and Delete with compare-and-swap semantics and their sentinel
// errors; that Put refuses a record with an empty key ID
// ([vault.ErrInvalidEntry]) and writes nothing; that the store owns copies
// of envelope bytes; List filters, byte-wise (Org, Registry) ordering and
// cursor paging across more than a thousand records with small, default
// and over-large page sizes; KeyUsage; concurrent compare-and-swap with
// exactly one winner per version; context cancellation; Unicode, '/' and
// '+' in names; 1 MiB envelopes; and, for stores that offer
// [vault.BatchPutter], PutBatch's per-record outcomes (empty key IDs
// among them), its length check, cancellation and that it copies
// envelopes too; for stores that offer [vault.PageLister], that ListInto
// lists what List does into the memory it is given, in copies capped at
// their ends; for stores that offer [vault.HealthStore], that health is
// kept only beside a record and goes with it, keeps the latest healthy
// time and ignores older results; and for stores that offer
// [vault.Leaser], that a lease has one holder at a time, passes on
// expiry or release, renews only its own running term, gives every term
// a larger fencing token, and that racing holders get one winner.
//
// The suite never calls t.Parallel: stores backed by one shared server
// can hand each subtest its own schema or database in newStore.
package storetest

import (
	"testing"

	"github.com/credvault/credvault/vault"
)

// A check is one conformance test run against a fresh store.
type check struct {
	name string
	fn   func(t *testing.T, s vault.Store)
}

// Run runs the conformance suite, one subtest per check, each on a store
// newStore returns. newStore must return an empty store and may register
// cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) vault.Store) {
	t.Helper()
	for _, group := range [][]check{crudChecks, copyChecks, listChecks, usageChecks, concurrencyChecks, nameChecks, batchChecks, pageListerChecks, healthChecks, leaseChecks} {
		for _, c := range group {
			t.Run(c.name, func(t *testing.T) {
				c.fn(t, newStore(t))
			})
		}
	}
}
