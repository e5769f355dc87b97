package sqlstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/credvault/credvault/vault"
)

// openSQLite opens a Store on a temporary SQLite file.
func openSQLite(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), "sqlite://"+t.TempDir()+"/w.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	PinVersions(s) // these tests state exact versions
	return s
}

func TestWriterBatchOutcomes(t *testing.T) {
	s := openSQLite(t)
	ctx := t.Context()
	for _, reg := range []string{"a", "b", "c", "d"} {
		if _, err := s.Put(ctx, vault.Record{Key: vault.Key{Org: "o", Registry: reg}, KeyID: "k1"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	// A trigger makes one statement fail the way a full disk would.
	if _, err := s.db.ExecContext(ctx, `CREATE TRIGGER boom BEFORE UPDATE ON credvault_records
		WHEN NEW.key_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	update := func(ctx context.Context, reg, keyID string, expect int64) *writeReq {
		return &writeReq{ctx: ctx, done: make(chan []writeResult, 1), items: []writeItem{{stmt: s.stmts.update,
			args: []any{keyID, []byte{}, SQLite.timeArg(time.Now()), "o", reg, expect}}}}
	}
	batch := []*writeReq{
		update(ctx, "a", "k2", 1),       // wins
		update(ctx, "a", "k3", 1),       // loses to the first: version is 2 now
		update(ctx, "b", "boom", 1),     // fails
		update(cancelled, "c", "k2", 1), // refused: context ended
		update(ctx, "d", "k2", 1),       // wins
	}
	s.writer.commit(batch)
	want := []struct {
		rows int64
		err  error
	}{{1, nil}, {0, nil}, {0, errAny}, {0, context.Canceled}, {1, nil}}
	for i, r := range batch {
		res := <-r.done
		if len(res) != 1 {
			t.Fatalf("request %d: %d results", i, len(res))
		}
		got := res[0]
		switch {
		case want[i].err == errAny:
			if got.err == nil {
				t.Errorf("request %d: no error", i)
			}
		case !errors.Is(got.err, want[i].err) || got.rows != want[i].rows:
			t.Errorf("request %d: got %d rows, %v; want %d rows, %v", i, got.rows, got.err, want[i].rows, want[i].err)
		}
	}
	for reg, keyID := range map[string]string{"a": "k2", "b": "k1", "c": "k1", "d": "k2"} {
		rec, err := s.Get(ctx, vault.Key{Org: "o", Registry: reg})
		if err != nil || rec.KeyID != keyID {
			t.Errorf("record %s: %+v, %v; want key ID %s", reg, rec, err, keyID)
		}
	}
}

// errAny marks an expected error of any kind.
var errAny = errors.New("any error")

// TestWriterAfterClose: the writer refuses work once Close stopped it.
func TestWriterAfterClose(t *testing.T) {
	s := openSQLite(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.exec(t.Context(), s.stmts.deleteAny, "o", "r"); !errors.Is(err, ErrClosed) {
		t.Errorf("writer after stop: %v", err)
	}
}
