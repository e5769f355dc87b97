package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

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

func TestCheckpoints(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			b.require(t)
			dsn, _, _ := b.fresh(t)
			s := open(t, dsn)
			ctx := t.Context()
			if _, ok, err := s.LoadCheckpoint(ctx, "dek/acme"); ok || err != nil {
				t.Fatalf("fresh store: ok=%v err=%v", ok, err)
			}
			for i := range 3 {
				at := vault.Key{Org: "acme", Registry: fmt.Sprintf("reg-%d", i)}
				if err := s.SaveCheckpoint(ctx, "dek/acme", at); err != nil {
					t.Fatal(err)
				}
				if got, ok, err := s.LoadCheckpoint(ctx, "dek/acme"); !ok || err != nil || got != at {
					t.Fatalf("after save %d: %v %v %v", i, got, ok, err)
				}
			}
			if err := s.SaveCheckpoint(ctx, "dek/globex", vault.Key{Org: "globex", Registry: "x"}); err != nil {
				t.Fatal(err)
			}
			for range 2 { // clearing twice is fine
				if err := s.ClearCheckpoint(ctx, "dek/acme"); err != nil {
					t.Fatal(err)
				}
			}
			if _, ok, _ := s.LoadCheckpoint(ctx, "dek/acme"); ok {
				t.Fatal("checkpoint survived Clear")
			}
			if got, ok, _ := s.LoadCheckpoint(ctx, "dek/globex"); !ok || got.Org != "globex" {
				t.Fatalf("another job's checkpoint: %v %v", got, ok)
			}
			// It survives a reopen.
			s2 := open(t, dsn)
			if got, ok, err := s2.LoadCheckpoint(ctx, "dek/globex"); !ok || err != nil || got.Registry != "x" {
				t.Fatalf("after reopen: %v %v %v", got, ok, err)
			}
		})
	}
}
