package vault_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// TestRotationStopsEveryStage stops a batched job in the middle, by
// cancellation and by a failure under StopOnError: it returns the reason,
// has written whole pages only (every record opens), and leaves none of
// its pipeline's goroutines behind.
func TestRotationStopsEveryStage(t *testing.T) {
	const n, page = 3000, 50
	for _, tc := range []struct {
		name string
		want error
	}{{"cancelled", context.Canceled}, {"stop on error", vault.ErrCorrupt}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ks := fill(t, e, n)
			corrupt(t, e.store, ks[n/3])
			if _, err := e.keys.Rotate(t.Context(), "acme"); err != nil {
				t.Fatal(err)
			}
			base := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			opts := vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme", PageSize: page, StopOnError: true}}
			if tc.want == context.Canceled {
				opts.StopOnError, opts.Progress = false, func(p vault.Progress) {
					if p.Done >= 3*page {
						cancel()
					}
				}
			}
			s, err := e.v.RewrapKEK(ctx, opts)
			if !errors.Is(err, tc.want) || s.Done == 0 || s.Done >= n-page {
				t.Fatalf("summary %+v, err %v; want %v midway", s.Progress, err, tc.want)
			}
			for i := 0; i < 100 && runtime.NumGoroutine() > base; i++ {
				time.Sleep(10 * time.Millisecond)
			}
			if got := runtime.NumGoroutine(); got > base {
				t.Fatalf("%d goroutines after the job, %d before", got, base)
			}
			for _, k := range ks {
				if _, _, err := e.v.Open(t.Context(), k); err != nil && k != ks[n/3] {
					t.Fatalf("%s: %v", k, err)
				}
			}
		})
	}
}

// stallingKEKs resolves each org's KEK, whose Unwraps for registries
// holding match wait for the job's context to end.
func stallingKEKs(keys vault.KEKResolver, match string) unwrapHook {
	return unwrapHook{keys, func(ctx context.Context, aad kek.AAD, unwrap func() ([]byte, error)) ([]byte, error) {
		if bytes.Contains(aad.Data, []byte(match)) {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return unwrap()
	}}
}

// TestRotationCancelledBeforeLastPageIsWritten cancels a batched job
// while its last page is being prepared: the pipeline drops that page, so
// the job must return ctx's error and keep its checkpoint, not report a
// complete run. Whether the preparer drops the page or hands it on is up
// to a select, so the job runs many times.
func TestRotationCancelledBeforeLastPageIsWritten(t *testing.T) {
	e := newEnv(t)
	ks := fill(t, e, 20)
	v := mustVault(t, e.store, stallingKEKs(e.keys, "reg-001")) // the second page
	for range 30 {
		cp := &vault.MemCheckpoints{}
		ctx, job := stopAfter(t.Context(), vault.JobOptions{Org: "acme", PageSize: 10}, 1)
		s, err := v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: job, Checkpoints: cp})
		if !errors.Is(err, context.Canceled) || s.Done != 10 {
			t.Fatalf("summary %+v, err %v; want cancelled after the first page", s.Progress, err)
		}
		if saved, ok, _ := cp.LoadCheckpoint(t.Context(), "dek/acme"); !ok || saved != (vault.Checkpoint{After: ks[9], Done: 10}) {
			t.Fatalf("checkpoint %+v, %v; want after %s, 10 done", saved, ok, ks[9])
		}
	}
}

func TestRotationRacesPutsAndDeletes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ks := fill(t, e, 200)
	if _, err := e.keys.Rotate(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	latest := make([]string, len(ks))
	deleted := make([]bool, len(ks))
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i < len(ks); i += 3 {
			pw := fmt.Sprintf("new-%d", i)
			c := credentials.UsernamePassword{Username: "u", Password: credentials.NewSecret(pw)}
			if _, err := e.v.Put(ctx, ks[i], entry(c)); err != nil {
				t.Error(err)
			}
			latest[i] = pw
			if i%2 == 0 {
				if err := e.v.Delete(ctx, ks[i]); err != nil {
					t.Error(err)
				}
				deleted[i] = true
			}
		}
	})
	for _, run := range []func() (vault.Summary, error){
		func() (vault.Summary, error) {
			return e.v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme", PageSize: 16}})
		},
		func() (vault.Summary, error) {
			return e.v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: vault.JobOptions{Org: "acme", PageSize: 16}})
		},
	} {
		if s, err := run(); err != nil || s.Failed != 0 {
			t.Fatalf("summary %+v, err %v", s, err)
		}
	}
	wg.Wait()
	for i, k := range ks {
		got, _, err := e.v.Open(ctx, k)
		if deleted[i] {
			if !errors.Is(err, vault.ErrNotFound) {
				t.Fatalf("%s: deleted record came back: %v", k, err)
			}
			continue
		}
		want := latest[i]
		if want == "" {
			want = fmt.Sprintf("pw-%d", i)
		}
		if err != nil || got.Credential.(credentials.UsernamePassword).Password.Reveal() != want {
			t.Fatalf("%s: lost the latest value: %v", k, err)
		}
	}
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
			s, err := v.RewrapKEK(t.Context(), vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme", PageSize: page, Workers: 4, StopOnError: stop}})
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
	s, err := e.v.RewrapKEK(t.Context(), vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme", PageSize: 25}})
	if err != nil || s.Failed != 1 || s.Done != n-1 || len(s.Errors) != 1 || s.Errors[0].Key != seedKey("acme", 42) {
		t.Fatalf("summary %+v, errors %v, err %v", s.Progress, s.Errors, err)
	}
	after, _ := e.st.Get(t.Context(), seedKey("acme", 42))
	if after.Version != before.Version || string(after.Envelope) != string(before.Envelope) {
		t.Fatal("the refused record changed")
	}
	openAll(t, e.v, e.st, n)
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
