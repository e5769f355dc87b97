package storetest

import (
	"context"
	"testing"

	"github.com/credvault/credvault/vault"
)

// batchChecks run against stores that offer vault.BatchPutter; for the
// others each reports that there was nothing to check.
var batchChecks = []check{
	{"BatchOutcomesPerRecord", offering(testBatchOutcomes)},
	{"BatchLengthMismatch", offering(testBatchLength)},
	{"BatchEmptyKeyID", offering(testBatchEmptyKeyID)},
	{"BatchEnvelopeCopied", offering(testBatchCopied)},
	{"BatchContextCancelled", offering(testBatchCancelled)},
}

// offering adapts a check of an optional capability C (such as
// vault.BatchPutter) to a check, which reports that there was nothing to
// check on a store without it.
func offering[C any](fn func(t *testing.T, s vault.Store, c C)) func(*testing.T, vault.Store) {
	return func(t *testing.T, s vault.Store) {
		c, ok := s.(C)
		if !ok {
			t.Logf("the store is not a %T: nothing to check", (*C)(nil))
			return
		}
		fn(t, s, c)
	}
}

// testBatchOutcomes mixes winning and losing compare-and-swaps in one
// batch: each record gets Put's outcome and the losers change nothing.
func testBatchOutcomes(t *testing.T, s vault.Store, bp vault.BatchPutter) {
	v1 := mustPut(t, s, record("org", "a", "k1", "a1"), 0)
	v2 := mustPut(t, s, record("org", "b", "k1", "b1"), 0)
	recs := []vault.Record{
		record("org", "a", "k2", "a2"), // update at the right version
		record("org", "b", "k2", "b2"), // update at a stale version
		record("org", "c", "k2", "c1"), // create
		record("org", "a", "k2", "a3"), // create over an existing record
	}
	versions, errs := bp.PutBatch(t.Context(), recs, []int64{v1, v2 + 7, 0, 0})
	requireLen(t, versions, len(recs))
	requireLen(t, errs, len(recs))
	requireNoError(t, errs[0], "update at the stored version")
	requireEqual(t, v1+1, versions[0], "updated version")
	requireErrorIs(t, errs[1], vault.ErrConflict, "update at a stale version")
	requireNoError(t, errs[2], "create")
	requireTrue(t, versions[2] > 0, "created version %d, want > 0", versions[2])
	requireErrorIs(t, errs[3], vault.ErrConflict, "create over an existing record")

	requireStored(t, s, vault.Record{Key: recs[0].Key, Version: v1 + 1, KeyID: "k2", Envelope: []byte("a2")})
	requireStored(t, s, vault.Record{Key: recs[1].Key, Version: v2, KeyID: "k1", Envelope: []byte("b1")})
	requireStored(t, s, vault.Record{Key: recs[2].Key, Version: versions[2], KeyID: "k2", Envelope: []byte("c1")})
	usage, err := s.KeyUsage(t.Context(), "org")
	requireNoError(t, err)
	requireEqual(t, map[string]int64{"k1": 1, "k2": 2}, usage, "key usage after the batch")
}

func testBatchLength(t *testing.T, s vault.Store, bp vault.BatchPutter) {
	recs := []vault.Record{record("org", "a", "k1", "a"), record("org", "b", "k1", "b")}
	_, errs := bp.PutBatch(t.Context(), recs, []int64{0})
	requireLen(t, errs, len(recs))
	for i, err := range errs {
		requireErrorIs(t, err, vault.ErrBatchLength, "record %d", i)
	}
	requireMissing(t, s, recs[0].Key)
	requireMissing(t, s, recs[1].Key)
}

// testBatchEmptyKeyID: a record without a key ID fails alone, as Put
// would refuse it, whether it creates or updates; the others in the batch
// are written.
func testBatchEmptyKeyID(t *testing.T, s vault.Store, bp vault.BatchPutter) {
	va := mustPut(t, s, record("org", "a", "k1", "a1"), 0)
	vb := mustPut(t, s, record("org", "b", "k1", "b1"), 0)
	recs := []vault.Record{
		record("org", "a", "", "a2"),   // update without a key ID
		record("org", "b", "k2", "b2"), // update
		record("org", "c", "", "c1"),   // create without a key ID
		record("org", "d", "k2", "d1"), // create
	}
	versions, errs := bp.PutBatch(t.Context(), recs, []int64{va, vb, 0, 0})
	requireLen(t, versions, len(recs))
	requireLen(t, errs, len(recs))
	requireErrorIs(t, errs[0], vault.ErrInvalidEntry, "update with an empty key ID")
	requireNoError(t, errs[1], "update")
	requireEqual(t, vb+1, versions[1], "updated version")
	requireErrorIs(t, errs[2], vault.ErrInvalidEntry, "create with an empty key ID")
	requireNoError(t, errs[3], "create")

	requireStored(t, s, vault.Record{Key: recs[0].Key, Version: va, KeyID: "k1", Envelope: []byte("a1")})
	requireStored(t, s, vault.Record{Key: recs[1].Key, Version: vb + 1, KeyID: "k2", Envelope: []byte("b2")})
	requireMissing(t, s, recs[2].Key)
	requireStored(t, s, vault.Record{Key: recs[3].Key, Version: versions[3], KeyID: "k2", Envelope: []byte("d1")})
	requireUsage(t, s, "", map[string]int64{"k1": 1, "k2": 2})
}

// testBatchCopied: the store does not keep the caller's envelope slices
// (rotation jobs reuse them for the next page).
func testBatchCopied(t *testing.T, s vault.Store, bp vault.BatchPutter) {
	recs := []vault.Record{record("org", "a", "k1", "first"), record("org", "b", "k1", "second")}
	versions, errs := bp.PutBatch(t.Context(), recs, []int64{0, 0})
	for i, err := range errs {
		requireNoError(t, err, "record %d", i)
	}
	for _, r := range recs {
		scribble(r.Envelope)
	}
	requireStored(t, s, vault.Record{Key: recs[0].Key, Version: versions[0], KeyID: "k1", Envelope: []byte("first")})
	requireStored(t, s, vault.Record{Key: recs[1].Key, Version: versions[1], KeyID: "k1", Envelope: []byte("second")})
}

func testBatchCancelled(t *testing.T, s vault.Store, bp vault.BatchPutter) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	recs := []vault.Record{record("org", "a", "k1", "a")}
	_, errs := bp.PutBatch(ctx, recs, []int64{0})
	requireLen(t, errs, 1)
	requireErrorIs(t, errs[0], context.Canceled)
	requireMissing(t, s, recs[0].Key)
}
