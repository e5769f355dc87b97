package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

func TestPutBatch(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			b.require(t)
			dsn, driver, raw := b.fresh(t)
			s := open(t, dsn)
			sqlstore.PinVersions(s)
			ctx := t.Context()
			rec := func(reg, keyID string) vault.Record {
				return vault.Record{Key: vault.Key{Org: "o", Registry: reg}, KeyID: keyID, Envelope: []byte("env-" + keyID)}
			}
			for _, reg := range []string{"a", "b", "c"} {
				if _, err := s.Put(ctx, rec(reg, "k1"), 0); err != nil {
					t.Fatal(err)
				}
			}
			// A trigger makes one row fail the way a constraint would.
			boom := `CREATE TRIGGER boom BEFORE UPDATE ON credvault_records
				WHEN NEW.key_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`
			if b.name == "postgres" {
				boom = `CREATE TRIGGER boom BEFORE UPDATE ON credvault_records FOR EACH ROW
					WHEN (NEW.key_id = 'boom') EXECUTE FUNCTION boom()`
				fn := `CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`
				if _, err := rawDB(t, driver, raw).ExecContext(ctx, fn); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := rawDB(t, driver, raw).ExecContext(ctx, boom); err != nil {
				t.Fatal(err)
			}
			recs := []vault.Record{rec("a", "k2"), rec("b", "k2"), rec("c", "boom"), rec("d", "k2"), rec("e", "k2"), rec("a", "k3")}
			expects := []int64{1, 7, 1, 0, -1, 1}
			versions, errs := s.PutBatch(ctx, recs, expects)
			wantErr := []error{nil, vault.ErrConflict, errAny, nil, vault.ErrConflict, vault.ErrConflict}
			wantVersion := []int64{2, 0, 0, 1, 0, 0}
			for i := range recs {
				switch {
				case wantErr[i] == errAny:
					if errs[i] == nil || errors.Is(errs[i], vault.ErrConflict) {
						t.Errorf("record %d: error %v, want a database error", i, errs[i])
					}
				case !errors.Is(errs[i], wantErr[i]) || versions[i] != wantVersion[i]:
					t.Errorf("record %d: version %d, error %v; want %d, %v", i, versions[i], errs[i], wantVersion[i], wantErr[i])
				}
			}
			// Unique keys: PostgreSQL writes them in one statement, or
			// record by record when a row fails.
			for _, step := range []struct {
				recs     []vault.Record
				expects  []int64
				versions []int64
				errs     []error
			}{
				{[]vault.Record{rec("b", "k4"), rec("c", "boom"), rec("d", "k4")}, []int64{1, 1, 9}, []int64{2, 0, 0}, []error{nil, errAny, vault.ErrConflict}},
				{[]vault.Record{rec("a", "k5"), rec("d", "k5"), rec("c", "k5")}, []int64{2, 1, 7}, []int64{3, 2, 0}, []error{nil, nil, vault.ErrConflict}},
			} {
				versions, errs := s.PutBatch(ctx, step.recs, step.expects)
				for i := range step.recs {
					switch {
					case step.errs[i] == errAny:
						if errs[i] == nil || errors.Is(errs[i], vault.ErrConflict) {
							t.Errorf("%s: error %v, want a database error", step.recs[i].Key, errs[i])
						}
					case !errors.Is(errs[i], step.errs[i]) || versions[i] != step.versions[i]:
						t.Errorf("%s: version %d, error %v; want %d, %v", step.recs[i].Key, versions[i], errs[i], step.versions[i], step.errs[i])
					}
				}
			}
			for reg, keyID := range map[string]string{"a": "k5", "b": "k4", "c": "k1", "d": "k5"} {
				got, err := s.Get(ctx, vault.Key{Org: "o", Registry: reg})
				if err != nil || got.KeyID != keyID || string(got.Envelope) != "env-"+keyID {
					t.Errorf("record %s: %+v, %v; want key ID %s", reg, got, err, keyID)
				}
			}
		})
	}
}

// errAny marks an expected error of any kind.
var errAny = errors.New("any error")

func TestPutBatchRefusals(t *testing.T) {
	s := open(t, "sqlite::memory:")
	recs := []vault.Record{{Key: vault.Key{Org: "o", Registry: "a"}, KeyID: "k"}}
	if _, errs := s.PutBatch(t.Context(), recs, nil); !errors.Is(errs[0], vault.ErrBatchLength) {
		t.Errorf("mismatched lengths: %v", errs[0])
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if _, errs := s.PutBatch(cancelled, recs, []int64{0}); !errors.Is(errs[0], cancelled.Err()) {
		t.Errorf("cancelled: %v", errs[0])
	}
	if _, err := s.Get(t.Context(), recs[0].Key); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("a refused batch wrote: %v", err)
	}
	if v, errs := s.PutBatch(t.Context(), nil, nil); len(v) != 0 || len(errs) != 0 {
		t.Errorf("empty batch: %v %v", v, errs)
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

// BenchmarkSQLitePutBatch measures compare-and-swap updates written in
// batches of 500, as a rotation job writes a page; it reports records/s.
func BenchmarkSQLitePutBatch(b *testing.B) {
	const records, batch = 20 * benchRecords, 500
	s, recs, versions := benchStore(b, records)
	for i := range recs {
		recs[i].KeyID = "k2"
	}
	start := time.Now()
	n := 0
	for b.Loop() {
		j := (n * batch) % records
		got, errs := s.PutBatch(b.Context(), recs[j:j+batch], versions[j:j+batch])
		for k, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
			versions[j+k] = got[k]
		}
		n++
	}
	b.ReportMetric(float64(n*batch)/time.Since(start).Seconds(), "records/s")
}
