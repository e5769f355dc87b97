package storetest

import (
	"crypto/rand"
	"testing"

	"github.com/credvault/credvault/vault"
)

var copyChecks = []check{
	{"EnvelopeCopiedOnPut", testCopiedOnPut},
	{"EnvelopeCopiedOnGet", testCopiedOnGet},
	{"EnvelopeCopiedOnList", testCopiedOnList},
	{"EmptyEnvelope", testEmptyEnvelope},
	{"LargeEnvelope", testLargeEnvelope},
}

// scribble overwrites every byte of b.
func scribble(b []byte) {
	for i := range b {
		b[i] = 'X'
	}
}

func testCopiedOnPut(t *testing.T, s vault.Store) {
	rec := record("org", "reg", "k1", "original")
	v0 := mustPut(t, s, rec, 0)
	scribble(rec.Envelope)
	update := record("org", "reg", "k1", "updated")
	mustPut(t, s, update, v0)
	scribble(update.Envelope)
	want := record("org", "reg", "k1", "updated")
	want.Version = v0 + 1
	requireStored(t, s, want)
}

func testCopiedOnGet(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "reg"}
	mustPut(t, s, record("org", "reg", "k1", "original"), 0)
	scribble(mustGet(t, s, k).Envelope)
	got := mustGet(t, s, k)
	requireEqual(t, "original", string(got.Envelope))
}

func testCopiedOnList(t *testing.T, s vault.Store) {
	mustPut(t, s, record("org", "reg", "k1", "original"), 0)
	page, err := s.List(t.Context(), vault.Query{})
	requireNoError(t, err)
	requireLen(t, page.Records, 1)
	scribble(page.Records[0].Envelope)
	got := mustGet(t, s, vault.Key{Org: "org", Registry: "reg"})
	requireEqual(t, "original", string(got.Envelope))
}

func testEmptyEnvelope(t *testing.T, s vault.Store) {
	mustPut(t, s, record("org", "reg", "k1", ""), 0)
	got := mustGet(t, s, vault.Key{Org: "org", Registry: "reg"})
	requireEmpty(t, got.Envelope)
}

func testLargeEnvelope(t *testing.T, s vault.Store) {
	big := make([]byte, 1<<20)
	_, _ = rand.Read(big)
	rec := vault.Record{Key: vault.Key{Org: "org", Registry: "big"}, KeyID: "k1", Envelope: big}
	mustPut(t, s, rec, 0)
	got := mustGet(t, s, rec.Key)
	requireTrue(t, string(big) == string(got.Envelope), "1 MiB envelope changed in the store")
	page, err := s.List(t.Context(), vault.Query{Org: "org"})
	requireNoError(t, err)
	requireLen(t, page.Records, 1)
	requireTrue(t, string(big) == string(page.Records[0].Envelope), "1 MiB envelope changed in List")
}
