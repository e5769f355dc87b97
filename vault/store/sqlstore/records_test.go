package sqlstore_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
	"github.com/credvault/credvault/vault/storetest"
)

// TestConformanceStricterIsolation runs the conformance suite on a
// PostgreSQL server whose default transaction isolation is stricter than
// READ COMMITTED (a server, database or role setting). A compare-and-swap
// that loses must still report vault.ErrConflict, not SQLSTATE 40001.
func TestConformanceStricterIsolation(t *testing.T) {
	for _, iso := range []string{"repeatable%20read", "serializable"} {
		t.Run(iso, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) vault.Store {
				dsn, _, _ := postgresBackend.fresh(t)
				return open(t, dsn+"&default_transaction_isolation="+iso)
			})
		})
	}
}

// benchRecords is how many records the benchmarks rewrite in turn.
const benchRecords = 1000

// benchStore opens a SQLite file holding n records of the given prefix
// and returns them with their versions.
func benchStore(b *testing.B, n int) (*sqlstore.Store, []vault.Record, []int64) {
	s, err := sqlstore.Open(b.Context(), "sqlite://"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	env := make([]byte, 400) // about the size of a sealed credential
	recs := make([]vault.Record, n)
	versions := make([]int64, n)
	for i := range recs {
		recs[i] = vault.Record{Key: vault.Key{Org: "org", Registry: fmt.Sprintf("reg-%05d", i)}, KeyID: "k1", Envelope: env}
		if versions[i], err = s.Put(b.Context(), recs[i], 0); err != nil {
			b.Fatal(err)
		}
	}
	return s, recs, versions
}

// BenchmarkSQLitePut measures the compare-and-swap update path, the one a
// rotation job runs for every record, from one goroutine.
func BenchmarkSQLitePut(b *testing.B) {
	s, recs, versions := benchStore(b, benchRecords)
	var err error
	i := 0
	for b.Loop() {
		j := i % benchRecords
		if versions[j], err = s.Put(b.Context(), recs[j], versions[j]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkSQLitePutParallel measures updates from many goroutines taking
// records in key order, as a rotation job's workers do; the Store's writer
// group-commits them.
func BenchmarkSQLitePutParallel(b *testing.B) {
	const workers, records = 32, 10 * benchRecords
	s, recs, versions := benchStore(b, records)
	var next atomic.Int64
	b.SetParallelism(workers / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j := int(next.Add(1)-1) % records
			v, err := s.Put(b.Context(), recs[j], versions[j])
			if err != nil {
				b.Error(err)
				return
			}
			versions[j] = v
		}
	})
}
