package sqlstore_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/credvault/credvault/vault"
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

// TestBatchRaceStricterIsolation races PutBatch calls over the same
// records under REPEATABLE READ: every record's outcome must be a new
// version or vault.ErrConflict.
func TestBatchRaceStricterIsolation(t *testing.T) {
	dsn, _, _ := postgresBackend.fresh(t)
	s := open(t, dsn+"&default_transaction_isolation=repeatable%20read")
	const n, racers, rounds = 8, 12, 20
	keys := make([]vault.Key, n)
	for i := range keys {
		keys[i] = vault.Key{Org: "org", Registry: fmt.Sprintf("reg-%d", i)}
		if _, err := s.Put(t.Context(), vault.Record{Key: keys[i], KeyID: "k0", Envelope: []byte("x")}, 0); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for r := range racers {
		wg.Go(func() {
			for range rounds {
				recs, expects := make([]vault.Record, n), make([]int64, n)
				for i, k := range keys {
					cur, err := s.Get(t.Context(), k)
					if err != nil {
						t.Error(err)
						return
					}
					recs[i] = vault.Record{Key: k, KeyID: fmt.Sprintf("k%d", r), Envelope: []byte("y")}
					expects[i] = cur.Version
				}
				_, errs := s.PutBatch(t.Context(), recs, expects)
				for i, err := range errs {
					if err != nil && !errors.Is(err, vault.ErrConflict) {
						t.Errorf("racer %d record %d: %v", r, i, err)
					}
				}
			}
		})
	}
	wg.Wait()
}
