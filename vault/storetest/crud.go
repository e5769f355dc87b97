package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/credvault/credvault/vault"
)

var crudChecks = []check{
	{"GetMissing", testGetMissing},
	{"PutCreate", testPutCreate},
	{"PutCreateIgnoresRecordVersion", testPutCreateIgnoresVersion},
	{"PutCreateExisting", testPutCreateExisting},
	{"PutUpdate", testPutUpdate},
	{"PutStale", testPutStale},
	{"PutMissingWithVersion", testPutMissingWithVersion},
	{"PutEmptyKeyID", testPutEmptyKeyID},
	{"DeleteUnconditional", testDeleteUnconditional},
	{"DeleteConditional", testDeleteConditional},
	{"DeleteWrongVersion", testDeleteWrongVersion},
	{"DeleteMissing", testDeleteMissing},
	{"RecreateAfterDelete", testRecreateAfterDelete},
	{"ContextCancelled", testContextCancelled},
}

// record returns a record for org/registry with the given key ID and
// envelope.
func record(org, registry, keyID, envelope string) vault.Record {
	return vault.Record{
		Key:      vault.Key{Org: org, Registry: registry},
		KeyID:    keyID,
		Envelope: []byte(envelope),
	}
}

// mustPut writes rec with expect and requires success.
func mustPut(t *testing.T, s vault.Store, rec vault.Record, expect int64) int64 {
	t.Helper()
	v, err := s.Put(t.Context(), rec, expect)
	requireNoError(t, err, "Put %q/%q expect %d", rec.Org, rec.Registry, expect)
	if expect == 0 {
		// A new record starts at a fresh random version (vault.NewRecordVersion),
		// never at a predecessor's: see testRecreateAfterDelete.
		requireTrue(t, v > 0, "Put %q/%q create: version %d, want > 0", rec.Org, rec.Registry, v)
	} else {
		requireEqual(t, expect+1, v, "Put %q/%q expect %d: version", rec.Org, rec.Registry, expect)
	}
	return v
}

// mustGet reads the record at k and requires success.
func mustGet(t *testing.T, s vault.Store, k vault.Key) vault.Record {
	t.Helper()
	got, err := s.Get(t.Context(), k)
	requireNoError(t, err, "Get %q/%q", k.Org, k.Registry)
	requireEqual(t, k, got.Key)
	return got
}

// requireMissing requires that no record is stored at k.
func requireMissing(t *testing.T, s vault.Store, k vault.Key) {
	t.Helper()
	_, err := s.Get(t.Context(), k)
	requireErrorIs(t, err, vault.ErrNotFound, "Get %q/%q", k.Org, k.Registry)
}

// requireStored requires that the record at want.Key has want's version,
// key ID and envelope.
func requireStored(t *testing.T, s vault.Store, want vault.Record) vault.Record {
	t.Helper()
	got := mustGet(t, s, want.Key)
	requireEqual(t, want.Version, got.Version, "version")
	requireEqual(t, want.KeyID, got.KeyID, "key ID")
	requireEqual(t, string(want.Envelope), string(got.Envelope), "envelope")
	return got
}

func testGetMissing(t *testing.T, s vault.Store) {
	requireMissing(t, s, vault.Key{Org: "org", Registry: "missing"})
	mustPut(t, s, record("org", "present", "k1", "env"), 0)
	requireMissing(t, s, vault.Key{Org: "org", Registry: "missing"})
	requireMissing(t, s, vault.Key{Org: "other", Registry: "present"})
}

func testPutCreate(t *testing.T, s vault.Store) {
	before := time.Now().Truncate(time.Second)
	rec := record("org", "reg", "k1", "sealed")
	rec.Version = mustPut(t, s, rec, 0)
	after := time.Now().Add(time.Second)
	got := requireStored(t, s, rec)
	requireFalse(t, got.UpdatedAt.IsZero(), "UpdatedAt not set")
	requireFalse(t, got.UpdatedAt.Before(before), "UpdatedAt %v before the Put at %v", got.UpdatedAt, before)
	requireFalse(t, got.UpdatedAt.After(after), "UpdatedAt %v after the Put at %v", got.UpdatedAt, after)
}

func testPutCreateIgnoresVersion(t *testing.T, s vault.Store) {
	rec := record("org", "reg", "k1", "sealed")
	rec.Version = 41
	rec.UpdatedAt = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	rec.Version = mustPut(t, s, rec, 0)
	requireTrue(t, rec.Version != 41, "version taken from the caller")
	got := requireStored(t, s, rec)
	requireTrue(t, got.UpdatedAt.Year() != 2001, "UpdatedAt taken from the caller")
}

func testPutCreateExisting(t *testing.T, s vault.Store) {
	orig := record("org", "reg", "k1", "first")
	orig.Version = mustPut(t, s, orig, 0)
	_, err := s.Put(t.Context(), record("org", "reg", "k2", "second"), 0)
	requireErrorIs(t, err, vault.ErrConflict)
	requireStored(t, s, orig)
}

func testPutUpdate(t *testing.T, s vault.Store) {
	v0 := mustPut(t, s, record("org", "reg", "k1", "v1"), 0)
	first := mustGet(t, s, vault.Key{Org: "org", Registry: "reg"})
	for v := v0; v < v0+4; v++ {
		mustPut(t, s, record("org", "reg", "k2", "next"), v)
	}
	want := record("org", "reg", "k2", "next")
	want.Version = v0 + 4
	got := requireStored(t, s, want)
	requireFalse(t, got.UpdatedAt.Before(first.UpdatedAt), "UpdatedAt went backwards")
}

func testPutStale(t *testing.T, s vault.Store) {
	v0 := mustPut(t, s, record("org", "reg", "k1", "v1"), 0)
	mustPut(t, s, record("org", "reg", "k1", "v2"), v0)
	for _, expect := range []int64{v0, v0 + 2, v0 + 100, -1} {
		_, err := s.Put(t.Context(), record("org", "reg", "k9", "stale"), expect)
		requireErrorIs(t, err, vault.ErrConflict, "expect %d", expect)
	}
	want := record("org", "reg", "k1", "v2")
	want.Version = v0 + 1
	requireStored(t, s, want)
}

func testPutMissingWithVersion(t *testing.T, s vault.Store) {
	for _, expect := range []int64{1, 7, -1} {
		_, err := s.Put(t.Context(), record("org", "reg", "k1", "x"), expect)
		requireErrorIs(t, err, vault.ErrConflict, "expect %d", expect)
	}
	requireMissing(t, s, vault.Key{Org: "org", Registry: "reg"})
}

// testPutEmptyKeyID: a record without a key ID is refused, on creation
// and on update, and changes nothing: stored, it would escape the vault's
// key ID check on open and be counted under "" by KeyUsage, so a KEK
// version still in use would look unused.
func testPutEmptyKeyID(t *testing.T, s vault.Store) {
	_, err := s.Put(t.Context(), record("org", "new", "", "x"), 0)
	requireErrorIs(t, err, vault.ErrInvalidEntry, "Put create with an empty key ID")
	requireMissing(t, s, vault.Key{Org: "org", Registry: "new"})

	want := record("org", "reg", "k1", "sealed")
	want.Version = mustPut(t, s, want, 0)
	_, err = s.Put(t.Context(), record("org", "reg", "", "rewrapped"), want.Version)
	requireErrorIs(t, err, vault.ErrInvalidEntry, "Put update with an empty key ID")
	requireStored(t, s, want)
	requireUsage(t, s, "", map[string]int64{"k1": 1})
	requireUsage(t, s, "org", map[string]int64{"k1": 1})
}

func testDeleteUnconditional(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	v0 := mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	mustPut(t, s, record("org", "reg", "k1", "y"), v0)
	mustPut(t, s, record("org", "other", "k1", "z"), 0)
	requireNoError(t, s.Delete(t.Context(), k, 0))
	requireMissing(t, s, k)
	mustGet(t, s, vault.Key{Org: "org", Registry: "other"})
}

func testDeleteConditional(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	v0 := mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	mustPut(t, s, record("org", "reg", "k1", "y"), v0)
	requireNoError(t, s.Delete(t.Context(), k, v0+1))
	requireMissing(t, s, k)
}

func testDeleteWrongVersion(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	v0 := mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	for _, expect := range []int64{v0 + 1, v0 + 98, -1} {
		requireErrorIs(t, s.Delete(t.Context(), k, expect), vault.ErrConflict, "expect %d", expect)
	}
	want := record("org", "reg", "k1", "x")
	want.Version = v0
	requireStored(t, s, want)
}

func testDeleteMissing(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	for _, expect := range []int64{0, 1, 5} {
		requireErrorIs(t, s.Delete(t.Context(), k, expect), vault.ErrNotFound, "expect %d", expect)
	}
	v0 := mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	requireNoError(t, s.Delete(t.Context(), k, v0))
	requireErrorIs(t, s.Delete(t.Context(), k, 0), vault.ErrNotFound, "second delete")
}

func testRecreateAfterDelete(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	v0 := mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	mustPut(t, s, record("org", "reg", "k1", "x"), v0)
	requireNoError(t, s.Delete(t.Context(), k, 0))
	want := record("org", "reg", "k2", "again")
	want.Version = mustPut(t, s, want, 0)
	requireStored(t, s, want)
	// A writer still holding the deleted record's version must not
	// overwrite the new record (the ABA race a version counter restarting
	// at 1 would allow): the new record does not reuse those versions.
	for _, stale := range []int64{v0, v0 + 1} {
		_, err := s.Put(t.Context(), record("org", "reg", "k1", "stale"), stale)
		requireErrorIs(t, err, vault.ErrConflict, "stale version %d of the deleted record", stale)
	}
	requireStored(t, s, want)
}

func testContextCancelled(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	v0 := mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Get(ctx, k)
	requireErrorIs(t, err, context.Canceled, "Get")
	_, err = s.Put(ctx, record("org", "new", "k1", "x"), 0)
	requireErrorIs(t, err, context.Canceled, "Put create")
	_, err = s.Put(ctx, record("org", "reg", "k2", "y"), v0)
	requireErrorIs(t, err, context.Canceled, "Put update")
	requireErrorIs(t, s.Delete(ctx, k, 0), context.Canceled, "Delete")
	_, err = s.List(ctx, vault.Query{})
	requireErrorIs(t, err, context.Canceled, "List")
	_, err = s.KeyUsage(ctx, "")
	requireErrorIs(t, err, context.Canceled, "KeyUsage")

	requireMissing(t, s, vault.Key{Org: "org", Registry: "new"})
	want := record("org", "reg", "k1", "x")
	want.Version = v0
	requireStored(t, s, want)
}
