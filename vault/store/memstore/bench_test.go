package memstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

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
