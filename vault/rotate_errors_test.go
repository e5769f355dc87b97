package vault_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// sqliteEnv is a vault over a SQLite file with local keys for acme.
type sqliteEnv struct {
	path string
	st   *sqlstore.Store
	v    *vault.Vault
	keys interface {
		Rotate(context.Context, string) (string, error)
	}
}

func newSQLiteEnv(t *testing.T, n int) sqliteEnv {
	path := filepath.Join(t.TempDir(), "vault.db")
	st, err := sqlstore.Open(t.Context(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v, m := newLocalVault(t, st, "acme")
	seedRecords(t, v, st, "acme", n)
	if _, err := m.Rotate(t.Context(), "acme"); err != nil {
		t.Fatal(err)
	}
	return sqliteEnv{path: path, st: st, v: v, keys: m}
}

// closingStore closes the SQLite store just before its closeAt-th record
// write (by Put or PutBatch): the database goes away in the middle of a
// job.
type closingStore struct {
	*sqlstore.Store
	puts, closeAt atomic.Int64
}

func (c *closingStore) Put(ctx context.Context, r vault.Record, expect int64) (int64, error) {
	if c.puts.Add(1) == c.closeAt.Load() {
		c.Store.Close()
	}
	return c.Store.Put(ctx, r, expect)
}

func (c *closingStore) PutBatch(ctx context.Context, recs []vault.Record, expects []int64) ([]int64, []error) {
	if n, at := c.puts.Add(int64(len(recs))), c.closeAt.Load(); n >= at && n-int64(len(recs)) < at {
		c.Store.Close()
	}
	return c.Store.PutBatch(ctx, recs, expects)
}

// TestRotationDatabaseGoneMidJob closes the database in the middle of the
// second page: the failed records are counted and reported, the job ends
// with the store's error (at once with StopOnError), and after reopening
// every record opens, each either rotated or untouched. There are enough
// pages that the job must list one after the close, however far ahead
// of the writes its lister runs (at most four pages).
func TestRotationDatabaseGoneMidJob(t *testing.T) {
	for _, stop := range []bool{false, true} {
		t.Run(map[bool]string{false: "go-on", true: "stop-on-error"}[stop], func(t *testing.T) {
			const n, page = 500, 50
			e := newSQLiteEnv(t, n)
			cs := &closingStore{Store: e.st}
			cs.closeAt.Store(page + 10)
			v, err := vault.New(cs, e.keysResolver(t))
			if err != nil {
				t.Fatal(err)
			}
			s, err := v.RewrapKEK(t.Context(), vault.RotateOptions{Org: "acme", PageSize: page, Workers: 4, StopOnError: stop})
			if !errors.Is(err, sqlstore.ErrClosed) {
				t.Fatalf("job error %v, want ErrClosed", err)
			}
			if s.Failed == 0 || len(s.Errors) == 0 || s.Done < page || s.Done+s.Failed+s.Skipped >= n {
				t.Fatalf("summary %+v", s.Progress)
			}
			for _, re := range s.Errors {
				if !errors.Is(re, sqlstore.ErrClosed) {
					t.Errorf("record error %v, want ErrClosed", re)
				}
			}
			reopened := e.reopen(t)
			usage, _ := reopened.KeyUsage(t.Context(), "acme")
			if total := sum(usage); total != n || len(usage) != 2 {
				t.Fatalf("usage after the crash: %v", usage)
			}
			openAll(t, mustVault(t, reopened, e.keysResolver(t)), reopened, n)
		})
	}
}

// TestRotationConstraintFailureOnSQLite makes the database refuse one
// record's update: it is counted, the others are rotated, and it is left
// as it was.
func TestRotationConstraintFailureOnSQLite(t *testing.T) {
	const n = 120
	e := newSQLiteEnv(t, n)
	db := rawSQLite(t, e.path)
	if _, err := db.ExecContext(t.Context(), `CREATE TRIGGER refuse BEFORE UPDATE ON credvault_records
		WHEN OLD.registry = 'reg-0000042' BEGIN SELECT RAISE(ABORT, 'refused'); END`); err != nil {
		t.Fatal(err)
	}
	before, _ := e.st.Get(t.Context(), seedKey("acme", 42))
	s, err := e.v.RewrapKEK(t.Context(), vault.RotateOptions{Org: "acme", PageSize: 25})
	if err != nil || s.Failed != 1 || s.Done != n-1 || len(s.Errors) != 1 || s.Errors[0].Key != seedKey("acme", 42) {
		t.Fatalf("summary %+v, errors %v, err %v", s.Progress, s.Errors, err)
	}
	after, _ := e.st.Get(t.Context(), seedKey("acme", 42))
	if after.Version != before.Version || string(after.Envelope) != string(before.Envelope) {
		t.Fatal("the refused record changed")
	}
	openAll(t, e.v, e.st, n)
}

// TestRotationCorruptWrappedDEKOnSQLite: a record whose wrapped DEK was
// altered is counted as corrupt and left as it was; the others rotate.
func TestRotationCorruptWrappedDEKOnSQLite(t *testing.T) {
	const n = 60
	e := newSQLiteEnv(t, n)
	ctx := t.Context()
	bad := corrupt(t, e.st, seedKey("acme", 7))
	for _, run := range []func(context.Context, vault.RotateOptions) (vault.Summary, error){e.v.RewrapKEK, e.v.RotateDEKs} {
		s, err := run(ctx, vault.RotateOptions{Org: "acme", PageSize: 16, Checkpoints: e.st})
		if err != nil || s.Failed != 1 || !errors.Is(s.Errors[0], vault.ErrCorrupt) || s.Errors[0].Key != bad.Key {
			t.Fatalf("summary %+v, errors %v, err %v", s.Progress, s.Errors, err)
		}
		after, _ := e.st.Get(ctx, bad.Key)
		if after.Version != bad.Version || string(after.Envelope) != string(bad.Envelope) {
			t.Fatal("the corrupt record was rewritten")
		}
	}
}

// keysResolver returns the env's key manager as a resolver.
func (e sqliteEnv) keysResolver(t *testing.T) vault.KEKResolver {
	r, ok := e.keys.(vault.KEKResolver)
	if !ok {
		t.Fatal("keys are not a resolver")
	}
	return r
}

// reopen opens the env's database again (the original store may be closed).
func (e sqliteEnv) reopen(t *testing.T) *sqlstore.Store {
	st, err := sqlstore.Open(t.Context(), "sqlite://"+e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func mustVault(t *testing.T, st vault.Store, keys vault.KEKResolver) *vault.Vault {
	v, err := vault.New(st, keys)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rawSQLite opens the database file directly, beside the store.
func rawSQLite(t *testing.T, path string) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openAll opens every acme record in st and checks there are n, each
// holding the password seeded for it.
func openAll(t *testing.T, v *vault.Vault, st vault.Store, n int) {
	t.Helper()
	seen := 0
	q := vault.Query{Org: "acme", Limit: vault.MaxPageSize}
	for {
		p, err := st.List(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		seen += checkOpens(t, v, p.Records)
		if !p.More {
			break
		}
		q.After = p.Next
	}
	if seen != n {
		t.Fatalf("%d records open, want %d", seen, n)
	}
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
