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
	requireEqual(t, expect+1, v, "Put %q/%q expect %d: version", rec.Org, rec.Registry, expect)
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
	mustPut(t, s, rec, 0)
	after := time.Now().Add(time.Second)
	rec.Version = 1
	got := requireStored(t, s, rec)
	requireFalse(t, got.UpdatedAt.IsZero(), "UpdatedAt not set")
	requireFalse(t, got.UpdatedAt.Before(before), "UpdatedAt %v before the Put at %v", got.UpdatedAt, before)
	requireFalse(t, got.UpdatedAt.After(after), "UpdatedAt %v after the Put at %v", got.UpdatedAt, after)
}

func testPutCreateIgnoresVersion(t *testing.T, s vault.Store) {
	rec := record("org", "reg", "k1", "sealed")
	rec.Version = 41
	rec.UpdatedAt = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	mustPut(t, s, rec, 0)
	rec.Version = 1
	got := requireStored(t, s, rec)
	requireTrue(t, got.UpdatedAt.Year() != 2001, "UpdatedAt taken from the caller")
}

func testPutCreateExisting(t *testing.T, s vault.Store) {
	orig := record("org", "reg", "k1", "first")
	mustPut(t, s, orig, 0)
	_, err := s.Put(t.Context(), record("org", "reg", "k2", "second"), 0)
	requireErrorIs(t, err, vault.ErrConflict)
	orig.Version = 1
	requireStored(t, s, orig)
}

func testPutUpdate(t *testing.T, s vault.Store) {
	mustPut(t, s, record("org", "reg", "k1", "v1"), 0)
	first := mustGet(t, s, vault.Key{Org: "org", Registry: "reg"})
	for v := int64(1); v < 5; v++ {
		mustPut(t, s, record("org", "reg", "k2", "next"), v)
	}
	want := record("org", "reg", "k2", "next")
	want.Version = 5
	got := requireStored(t, s, want)
	requireFalse(t, got.UpdatedAt.Before(first.UpdatedAt), "UpdatedAt went backwards")
}

func testPutStale(t *testing.T, s vault.Store) {
	mustPut(t, s, record("org", "reg", "k1", "v1"), 0)
	mustPut(t, s, record("org", "reg", "k1", "v2"), 1)
	for _, expect := range []int64{1, 3, 100, -1} {
		_, err := s.Put(t.Context(), record("org", "reg", "k9", "stale"), expect)
		requireErrorIs(t, err, vault.ErrConflict, "expect %d", expect)
	}
	want := record("org", "reg", "k1", "v2")
	want.Version = 2
	requireStored(t, s, want)
}

func testPutMissingWithVersion(t *testing.T, s vault.Store) {
	for _, expect := range []int64{1, 7, -1} {
		_, err := s.Put(t.Context(), record("org", "reg", "k1", "x"), expect)
		requireErrorIs(t, err, vault.ErrConflict, "expect %d", expect)
	}
	requireMissing(t, s, vault.Key{Org: "org", Registry: "reg"})
}

func testDeleteUnconditional(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	mustPut(t, s, record("org", "reg", "k1", "y"), 1)
	mustPut(t, s, record("org", "other", "k1", "z"), 0)
	requireNoError(t, s.Delete(t.Context(), k, 0))
	requireMissing(t, s, k)
	mustGet(t, s, vault.Key{Org: "org", Registry: "other"})
}

func testDeleteConditional(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	mustPut(t, s, record("org", "reg", "k1", "y"), 1)
	requireNoError(t, s.Delete(t.Context(), k, 2))
	requireMissing(t, s, k)
}

func testDeleteWrongVersion(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	for _, expect := range []int64{2, 99, -1} {
		requireErrorIs(t, s.Delete(t.Context(), k, expect), vault.ErrConflict, "expect %d", expect)
	}
	want := record("org", "reg", "k1", "x")
	want.Version = 1
	requireStored(t, s, want)
}

func testDeleteMissing(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	for _, expect := range []int64{0, 1, 5} {
		requireErrorIs(t, s.Delete(t.Context(), k, expect), vault.ErrNotFound, "expect %d", expect)
	}
	mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	requireNoError(t, s.Delete(t.Context(), k, 1))
	requireErrorIs(t, s.Delete(t.Context(), k, 0), vault.ErrNotFound, "second delete")
}

func testRecreateAfterDelete(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	mustPut(t, s, record("org", "reg", "k1", "x"), 1)
	requireNoError(t, s.Delete(t.Context(), k, 0))
	mustPut(t, s, record("org", "reg", "k2", "again"), 0)
	want := record("org", "reg", "k2", "again")
	want.Version = 1
	requireStored(t, s, want)
}

func testContextCancelled(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	mustPut(t, s, record("org", "reg", "k1", "x"), 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Get(ctx, k)
	requireErrorIs(t, err, context.Canceled, "Get")
	_, err = s.Put(ctx, record("org", "new", "k1", "x"), 0)
	requireErrorIs(t, err, context.Canceled, "Put create")
	_, err = s.Put(ctx, record("org", "reg", "k2", "y"), 1)
	requireErrorIs(t, err, context.Canceled, "Put update")
	requireErrorIs(t, s.Delete(ctx, k, 0), context.Canceled, "Delete")
	_, err = s.List(ctx, vault.Query{})
	requireErrorIs(t, err, context.Canceled, "List")
	_, err = s.KeyUsage(ctx, "")
	requireErrorIs(t, err, context.Canceled, "KeyUsage")

	requireMissing(t, s, vault.Key{Org: "org", Registry: "new"})
	want := record("org", "reg", "k1", "x")
	want.Version = 1
	requireStored(t, s, want)
}
