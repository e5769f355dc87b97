package memstore_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
	"github.com/credvault/credvault/vault/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) vault.Store { return memstore.New() })
}

// A model is what a store should hold: key ID per key.
type model map[vault.Key]string

// TestModel runs random creates, updates (moving key IDs or not),
// deletes and in-order batch rewraps over enough keys to split and empty
// the store's chunks, then checks every List filter and KeyUsage against
// a model.
func TestModel(t *testing.T) {
	ctx := context.Background()
	s, m := memstore.New(), model{}
	rng := rand.New(rand.NewPCG(5, 6))
	for step := range 6000 {
		k := vault.Key{Org: fmt.Sprint("org", rng.IntN(3)), Registry: fmt.Sprintf("reg-%04d", rng.IntN(1500))}
		keyID := fmt.Sprint("k", rng.IntN(3))
		applyRandom(t, s, m, k, keyID, rng.IntN(4))
		if step%1000 == 999 {
			rewrapModel(t, s, m, "org1", keyID, "k9")
			checkModel(t, s, m)
		}
	}
	for k := range m {
		if err := s.Delete(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		delete(m, k)
	}
	checkModel(t, s, m)
}

// applyRandom writes k under keyID (op 0-2) or deletes it (op 3), in both
// the store and the model.
func applyRandom(t *testing.T, s *memstore.Store, m model, k vault.Key, keyID string, op int) {
	t.Helper()
	ctx := context.Background()
	cur, err := s.Get(ctx, k)
	_, held := m[k]
	if held != (err == nil) {
		t.Fatalf("Get(%v): %v, model holds it: %v", k, err, held)
	}
	err = nil
	switch {
	case op < 3:
		_, err = s.Put(ctx, vault.Record{Key: k, KeyID: keyID, Envelope: []byte(keyID)}, cur.Version)
		m[k] = keyID
	case held:
		err = s.Delete(ctx, k, cur.Version)
		delete(m, k)
	}
	if err != nil {
		t.Fatalf("op %d on %v: %v", op, k, err)
	}
}

// rewrapModel moves org's records from key ID from to key ID to, a page
// at a time with PutBatch, as a rotation job does.
func rewrapModel(t *testing.T, s *memstore.Store, m model, org, from, to string) {
	t.Helper()
	q := vault.Query{Org: org, KeyID: from, Limit: 77}
	for {
		page, err := s.List(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		expects := make([]int64, len(page.Records))
		for i, r := range page.Records {
			expects[i] = r.Version
			page.Records[i].KeyID = to
			m[r.Key] = to
		}
		versions, errs := s.PutBatch(context.Background(), page.Records, expects)
		for i, err := range errs {
			if err != nil || versions[i] != expects[i]+1 {
				t.Fatalf("PutBatch %v: version %d, %v", page.Records[i].Key, versions[i], err)
			}
		}
		if !page.More {
			return
		}
		q.After = page.Next
	}
}

// checkModel compares List under every filter, and KeyUsage, with m.
func checkModel(t *testing.T, s *memstore.Store, m model) {
	t.Helper()
	for _, org := range []string{"", "org0", "org1", "org2", "org3"} {
		for _, keyID := range []string{"", "k0", "k1", "k2", "k9"} {
			q := vault.Query{Org: org, KeyID: keyID, Limit: 100}
			if got, want := listKeys(t, s, q), m.keys(org, keyID); !slices.Equal(got, want) {
				t.Fatalf("List %+v: %d keys, want %d", q, len(got), len(want))
			}
		}
		usage, err := s.KeyUsage(context.Background(), org)
		if err != nil {
			t.Fatal(err)
		}
		for _, keyID := range []string{"k0", "k1", "k2", "k9"} {
			if got, want := usage[keyID], int64(len(m.keys(org, keyID))); got != want {
				t.Fatalf("KeyUsage(%q)[%s] = %d, want %d", org, keyID, got, want)
			}
		}
	}
}

// keys returns the model's keys matching org and keyID ("" for any), sorted.
func (m model) keys(org, keyID string) []vault.Key {
	var out []vault.Key
	for k, id := range m {
		if (org == "" || k.Org == org) && (keyID == "" || id == keyID) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b vault.Key) int {
		return cmp.Or(cmp.Compare(a.Org, b.Org), cmp.Compare(a.Registry, b.Registry))
	})
	return out
}

// listKeys pages through q and returns the keys listed.
func listKeys(t *testing.T, s *memstore.Store, q vault.Query) []vault.Key {
	t.Helper()
	var keys []vault.Key
	for {
		page, err := s.List(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Records {
			keys = append(keys, r.Key)
		}
		if !page.More {
			return keys
		}
		q.After = page.Next
	}
}

// TestListEnvelopesIndependent checks that the envelopes of one page,
// which share a buffer, cannot reach each other: appending to one leaves
// the next unchanged.
func TestListEnvelopesIndependent(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	for _, reg := range []string{"a", "b", "c"} {
		rec := vault.Record{Key: vault.Key{Org: "o", Registry: reg}, KeyID: "k", Envelope: []byte("env-" + reg)}
		if _, err := s.Put(ctx, rec, 0); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.List(ctx, vault.Query{Org: "o"})
	if err != nil || len(page.Records) != 3 {
		t.Fatalf("List: %d records, %v", len(page.Records), err)
	}
	_ = append(page.Records[0].Envelope, "XXXX"...)
	_ = append(page.Records[1].Envelope[:0], "YY"...)
	want := []string{"env-a", "YYv-b", "env-c"}
	for i, r := range page.Records {
		if got := string(r.Envelope); got != want[i] {
			t.Errorf("record %d envelope %q, want %q", i, got, want[i])
		}
	}
}

// Sizes of the store benchmarks.
const (
	benchRecords  = 100_000
	benchPage     = vault.MaxPageSize
	benchEnvelope = 160 // about a sealed username/password record
)

// benchBatches returns benchRecords new records of org under keyID, in
// batches of benchPage, their keys in a random order.
func benchBatches(org, keyID string) [][]vault.Record {
	env := make([]byte, benchEnvelope)
	order := rand.New(rand.NewPCG(1, 2)).Perm(benchRecords)
	var batches [][]vault.Record
	for start := 0; start < benchRecords; start += benchPage {
		batch := make([]vault.Record, 0, benchPage)
		for _, i := range order[start : start+benchPage] {
			k := vault.Key{Org: org, Registry: fmt.Sprintf("reg-%07d", i)}
			batch = append(batch, vault.Record{Key: k, KeyID: keyID, Envelope: env})
		}
		batches = append(batches, batch)
	}
	return batches
}

// seedStore returns a store holding batches, written with PutBatch.
func seedStore(b *testing.B, batches [][]vault.Record) *memstore.Store {
	b.Helper()
	s := memstore.New()
	for _, batch := range batches {
		putAll(b, s, batch, make([]int64, len(batch)))
	}
	return s
}

// putAll writes batch with PutBatch and fails b on any error.
func putAll(b *testing.B, s *memstore.Store, batch []vault.Record, expects []int64) {
	_, errs := s.PutBatch(context.Background(), batch, expects)
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
}

// reportPerRecord reports the time per record of n records an iteration.
func reportPerRecord(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}

// BenchmarkPutBatch creates benchRecords records, in random key order, in
// batches of benchPage.
func BenchmarkPutBatch(b *testing.B) {
	batches := benchBatches("org", "k1")
	b.ReportAllocs()
	for b.Loop() {
		s := memstore.New()
		for _, batch := range batches {
			putAll(b, s, batch, make([]int64, len(batch)))
		}
	}
	reportPerRecord(b, benchRecords)
}

// BenchmarkList pages through benchRecords records of one key ID.
func BenchmarkList(b *testing.B) {
	s := seedStore(b, benchBatches("org", "k1"))
	b.ReportAllocs()
	for b.Loop() {
		if n := listAll(b, s, vault.Query{Org: "org", KeyID: "k1", Limit: benchPage}); n != benchRecords {
			b.Fatalf("listed %d records, want %d", n, benchRecords)
		}
	}
	reportPerRecord(b, benchRecords)
}

// listAll pages through q and returns how many records it listed.
func listAll(b *testing.B, s *memstore.Store, q vault.Query) int {
	n := 0
	for {
		page, err := s.List(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		n += len(page.Records)
		if !page.More {
			return n
		}
		q.After = page.Next
	}
}

// BenchmarkRewrap is a KEK rotation's store traffic: page through the
// records of one key ID and write each page back, by compare-and-swap,
// under the next key ID, with an envelope of the same size.
func BenchmarkRewrap(b *testing.B) {
	s := seedStore(b, benchBatches("org", "k0"))
	b.ReportAllocs()
	keyID := 0
	for b.Loop() {
		rewrapAll(b, s, fmt.Sprint("k", keyID), fmt.Sprint("k", keyID+1))
		keyID++
	}
	reportPerRecord(b, benchRecords)
}

// rewrapAll moves every record from key ID from to key ID to.
func rewrapAll(b *testing.B, s *memstore.Store, from, to string) {
	q := vault.Query{Org: "org", KeyID: from, Limit: benchPage}
	expects := make([]int64, 0, benchPage)
	for {
		page, err := s.List(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		expects = expects[:0]
		for i := range page.Records {
			expects = append(expects, page.Records[i].Version)
			page.Records[i].KeyID = to
		}
		putAll(b, s, page.Records, expects)
		if !page.More {
			return
		}
		q.After = page.Next
	}
}
