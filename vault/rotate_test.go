package vault_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/vault"
)

// fill seals n records for acme and returns their keys.
func fill(t *testing.T, e env, n int) []vault.Key {
	t.Helper()
	ctx := context.Background()
	var ks []vault.Key
	for i := range n {
		k := vault.Key{Org: "acme", Registry: fmt.Sprintf("reg-%04d", i)}
		c := credentials.UsernamePassword{Username: "u", Password: credentials.NewSecret(fmt.Sprintf("pw-%d", i))}
		if _, err := e.v.Put(ctx, k, entry(c)); err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	return ks
}

// storeForms are the ways a job can meet a store: with both optional
// capabilities (memstore as is: listing into reused pages, writing in
// batches), with batches only, and with neither (record by record).
var storeForms = map[string]func(vault.Store) vault.Store{
	"batches and page reuse": func(s vault.Store) vault.Store { return s },
	"batches only":           func(s vault.Store) vault.Store { return batchOnly{s, s.(vault.BatchPutter)} },
	"record by record":       func(s vault.Store) vault.Store { return storeOnly{s} },
}

// batchOnly hides a store's PageLister.
type batchOnly struct {
	vault.Store
	vault.BatchPutter
}

// storeOnly hides a store's optional capabilities.
type storeOnly struct{ vault.Store }

func TestRewrapKEKMovesEveryRecordAndKeepsPayloads(t *testing.T) {
	for name, form := range storeForms {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			v := mustVault(t, form(e.store), e.keys)
			testRewrapKEK(t, e, v)
		})
	}
}

func testRewrapKEK(t *testing.T, e env, v *vault.Vault) {
	ctx := context.Background()
	ks := fill(t, e, 120)
	before, _ := e.store.Get(ctx, ks[0])
	newID, err := e.keys.Rotate(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	var reports int
	s, err := v.RewrapKEK(ctx, vault.RotateOptions{Org: "acme", PageSize: 25, Workers: 4, RatePerSecond: 1e6,
		Progress: func(vault.Progress) { reports++ }})
	if err != nil || s.Done != 120 || s.Failed != 0 || s.Total != 120 {
		t.Fatalf("summary %+v, err %v", s, err)
	}
	if reports < 5 {
		t.Fatalf("%d progress reports for 5 pages", reports)
	}
	usage, _ := v.KeyUsage(ctx, "acme")
	if len(usage) != 1 || usage[newID] != 120 {
		t.Fatalf("usage after rewrap = %v", usage)
	}
	after, _ := e.store.Get(ctx, ks[0])
	eb, _ := envelope.Parse(before.Envelope)
	ea, _ := envelope.Parse(after.Envelope)
	if string(eb.Ciphertext) != string(ea.Ciphertext) || eb.Commitment != ea.Commitment {
		t.Fatal("rewrap touched the payload")
	}
	for i, k := range ks {
		got, _, err := v.Open(ctx, k)
		if err != nil || got.Credential.(credentials.UsernamePassword).Password.Reveal() != fmt.Sprintf("pw-%d", i) {
			t.Fatalf("%s: %v", k, err)
		}
	}
	// A second run finds nothing to do.
	if s, err := v.RewrapKEK(ctx, vault.RotateOptions{Org: "acme"}); err != nil || s.Done != 0 || s.Total != 0 {
		t.Fatalf("second run: %+v, %v", s, err)
	}
}

func TestRewrapDryRunWritesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fill(t, e, 10)
	old, _ := e.v.KeyUsage(ctx, "acme")
	if _, err := e.keys.Rotate(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	s, err := e.v.RewrapKEK(ctx, vault.RotateOptions{Org: "acme", DryRun: true})
	if err != nil || s.Done != 10 {
		t.Fatalf("dry run: %+v, %v", s, err)
	}
	if now, _ := e.v.KeyUsage(ctx, "acme"); fmt.Sprint(now) != fmt.Sprint(old) {
		t.Fatalf("dry run changed usage: %v -> %v", old, now)
	}
}

func TestRotationCountsCorruptRecordsAndGoesOn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ks := fill(t, e, 20)
	corrupt(t, e.store, ks[7])
	bad, _ := e.store.Get(ctx, ks[7])
	if _, err := e.keys.Rotate(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	for name, run := range map[string]func(vault.RotateOptions) (vault.Summary, error){
		"rewrap": func(o vault.RotateOptions) (vault.Summary, error) { return e.v.RewrapKEK(ctx, o) },
		"dek":    func(o vault.RotateOptions) (vault.Summary, error) { return e.v.RotateDEKs(ctx, o) },
	} {
		s, err := run(vault.RotateOptions{Org: "acme"})
		if err != nil || s.Failed != 1 || len(s.Errors) != 1 || s.Errors[0].Key != ks[7] || !errors.Is(s.Errors[0], vault.ErrCorrupt) {
			t.Fatalf("%s: summary %+v, err %v", name, s, err)
		}
		after, _ := e.store.Get(ctx, ks[7])
		if string(after.Envelope) != string(bad.Envelope) {
			t.Fatalf("%s: the corrupt record was rewritten", name)
		}
		if _, err := run(vault.RotateOptions{Org: "acme", StopOnError: true}); !errors.Is(err, vault.ErrCorrupt) {
			t.Fatalf("%s: StopOnError did not stop", name)
		}
	}
}

func TestRotateDEKsResumesFromCheckpoint(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ks := fill(t, e, 50)
	cp := &vault.MemCheckpoints{}
	cctx, cancel := context.WithCancel(ctx)
	pages := 0
	_, err := e.v.RotateDEKs(cctx, vault.RotateOptions{Org: "acme", PageSize: 10, Workers: 2, Checkpoints: cp,
		Progress: func(vault.Progress) {
			if pages++; pages == 2 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled job: %v", err)
	}
	if _, ok, _ := cp.LoadCheckpoint(ctx, "dek/acme"); !ok {
		t.Fatal("no checkpoint after two pages")
	}
	s, err := e.v.RotateDEKs(ctx, vault.RotateOptions{Org: "acme", PageSize: 10, Checkpoints: cp})
	if err != nil || !s.Resumed || s.Done >= 50 || s.Done == 0 {
		t.Fatalf("resumed run: %+v, %v", s, err)
	}
	if _, ok, _ := cp.LoadCheckpoint(ctx, "dek/acme"); ok {
		t.Fatal("checkpoint left after a complete run")
	}
	for _, k := range ks {
		if _, _, err := e.v.Open(ctx, k); err != nil {
			t.Fatalf("%s: %v", k, err)
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
			return e.v.RewrapKEK(ctx, vault.RotateOptions{Org: "acme", PageSize: 16})
		},
		func() (vault.Summary, error) {
			return e.v.RotateDEKs(ctx, vault.RotateOptions{Org: "acme", PageSize: 16})
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

// bumpOnce is a Store whose first Put is preceded by a concurrent writer
// re-storing the same envelope (what a KEK rewrap does to the version
// without changing the DEK).
type bumpOnce struct {
	vault.Store
	done bool
}

func (s *bumpOnce) Put(ctx context.Context, rec vault.Record, expect int64) (int64, error) {
	if !s.done {
		s.done = true
		cur, _ := s.Store.Get(ctx, rec.Key)
		if _, err := s.Store.Put(ctx, cur, cur.Version); err != nil {
			return 0, err
		}
	}
	return s.Store.Put(ctx, rec, expect)
}

// TestRotateDEKsRetriesWhenOnlyTheVersionMoved: a lost compare-and-swap
// against a writer that kept the DEK must not count the record as done.
func TestRotateDEKsRetriesWhenOnlyTheVersionMoved(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ks := fill(t, e, 1)
	before, _ := e.store.Get(ctx, ks[0])
	v, _ := vault.New(&bumpOnce{Store: e.store}, e.keys)
	s, err := v.RotateDEKs(ctx, vault.RotateOptions{Org: "acme"})
	if err != nil || s.Done != 1 || s.Skipped != 0 {
		t.Fatalf("summary %+v, err %v", s, err)
	}
	after, _ := e.store.Get(ctx, ks[0])
	eb, _ := envelope.Parse(before.Envelope)
	ea, _ := envelope.Parse(after.Envelope)
	if eb.Commitment == ea.Commitment {
		t.Fatal("the record kept its old DEK")
	}
}

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
			opts := vault.RotateOptions{Org: "acme", PageSize: page, StopOnError: true}
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

// corrupt flips a bit of the wrapped DEK stored at k and returns the
// record as now stored.
func corrupt(t *testing.T, st vault.Store, k vault.Key) vault.Record {
	t.Helper()
	rec, err := st.Get(t.Context(), k)
	if err != nil {
		t.Fatal(err)
	}
	env, err := envelope.Parse(rec.Envelope)
	if err != nil {
		t.Fatal(err)
	}
	env.WrappedDEK[len(env.WrappedDEK)-1] ^= 1
	if rec.Envelope, err = env.Marshal(); err != nil {
		t.Fatal(err)
	}
	if rec.Version, err = st.Put(t.Context(), rec, rec.Version); err != nil {
		t.Fatal(err)
	}
	return rec
}
