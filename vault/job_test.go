package vault_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
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

func mustVault(t *testing.T, st vault.Store, keys vault.KEKResolver) *vault.Vault {
	v, err := vault.New(st, keys)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// commitments returns the key commitment, which identifies the DEK, of
// each record at ks.
func commitments(t *testing.T, e env, ks []vault.Key) [][envelope.CommitmentSize]byte {
	t.Helper()
	out := make([][envelope.CommitmentSize]byte, len(ks))
	for i, k := range ks {
		rec, err := e.store.Get(t.Context(), k)
		if err != nil {
			t.Fatal(err)
		}
		env, err := envelope.Parse(rec.Envelope)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = env.Commitment
	}
	return out
}

// testCredential is the credential every seeded record holds, numbered.
func testCredential(i int) credentials.Credential {
	return credentials.UsernamePassword{Username: "deploy-bot", Password: credentials.NewSecret(fmt.Sprintf("pw-%d", i))}
}

// seedKey is the key of seeded record i.
func seedKey(org string, i int) vault.Key {
	return vault.Key{Org: org, Registry: fmt.Sprintf("reg-%07d", i)}
}

// seedRecords seals n records for org (GOMAXPROCS sealers) and writes
// them in batches straight to st: far faster than n Vault.Puts.
func seedRecords(tb testing.TB, v *vault.Vault, st vault.Store, org string, n int) {
	tb.Helper()
	for start := 0; start < n; start += seedChunk {
		recs := sealRange(tb, v, org, start, min(start+seedChunk, n))
		writeNew(tb, st, recs)
	}
}

// sealRange seals records [from, to) of org concurrently.
func sealRange(tb testing.TB, v *vault.Vault, org string, from, to int) []vault.Record {
	recs := make([]vault.Record, to-from)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := from + w; i < to; i += workers {
				rec, err := v.Seal(context.Background(), seedKey(org, i), entry(testCredential(i)))
				if err != nil {
					errs <- err
					return
				}
				recs[i-from] = rec
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		tb.Fatal(err)
	}
	return recs
}

// writeNew creates recs in st, in one batch when st can.
func writeNew(tb testing.TB, st vault.Store, recs []vault.Record) {
	tb.Helper()
	bp, ok := st.(vault.BatchPutter)
	if !ok {
		for _, r := range recs {
			if _, err := st.Put(context.Background(), r, 0); err != nil {
				tb.Fatal(err)
			}
		}
		return
	}
	_, errs := bp.PutBatch(context.Background(), recs, make([]int64, len(recs)))
	for _, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// newLocalVault returns a vault over st with local keys for org, in a
// temporary directory.
func newLocalVault(tb testing.TB, st vault.Store, org string) (*vault.Vault, *local.Manager) {
	tb.Helper()
	root, err := local.GenerateRootKey()
	if err != nil {
		tb.Fatal(err)
	}
	m, err := local.Open(tb.TempDir(), root)
	if err != nil {
		tb.Fatal(err)
	}
	if err := m.Create(context.Background(), org); err != nil {
		tb.Fatal(err)
	}
	v, err := vault.New(st, m)
	if err != nil {
		tb.Fatal(err)
	}
	return v, m
}

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

// checkOpens opens recs and checks each holds the password seeded for
// it; it returns how many did.
func checkOpens(t *testing.T, v *vault.Vault, recs []vault.Record) int {
	for _, rec := range recs {
		e, err := v.OpenRecord(t.Context(), rec)
		if err != nil {
			t.Errorf("%s does not open: %v", rec.Key, err)
			return 0
		}
		i, _ := strconv.Atoi(strings.TrimPrefix(rec.Registry, "reg-"))
		up, ok := e.Credential.(credentials.UsernamePassword)
		if !ok || up.Password.Reveal() != fmt.Sprintf("pw-%d", i) {
			t.Errorf("%s opens to another value", rec.Key)
			return 0
		}
	}
	return len(recs)
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
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
	for name, run := range map[string]func(vault.JobOptions) (vault.Summary, error){
		"rewrap": func(o vault.JobOptions) (vault.Summary, error) {
			return e.v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: o})
		},
		"dek": func(o vault.JobOptions) (vault.Summary, error) {
			return e.v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: o})
		},
	} {
		s, err := run(vault.JobOptions{Org: "acme"})
		if err != nil || s.Failed != 1 || len(s.Errors) != 1 || s.Errors[0].Key != ks[7] || !errors.Is(s.Errors[0], vault.ErrCorrupt) {
			t.Fatalf("%s: summary %+v, err %v", name, s, err)
		}
		after, _ := e.store.Get(ctx, ks[7])
		if string(after.Envelope) != string(bad.Envelope) {
			t.Fatalf("%s: the corrupt record was rewritten", name)
		}
		if _, err := run(vault.JobOptions{Org: "acme", StopOnError: true}); !errors.Is(err, vault.ErrCorrupt) {
			t.Fatalf("%s: StopOnError did not stop", name)
		}
	}
}

// TestRotationCorruptWrappedDEKOnSQLite: a record whose wrapped DEK was
// altered is counted as corrupt and left as it was; the others rotate.
func TestRotationCorruptWrappedDEKOnSQLite(t *testing.T) {
	const n = 60
	e := newSQLiteEnv(t, n)
	ctx := t.Context()
	bad := corrupt(t, e.st, seedKey("acme", 7))
	job := vault.JobOptions{Org: "acme", PageSize: 16}
	for _, run := range []func() (vault.Summary, error){
		func() (vault.Summary, error) { return e.v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: job}) },
		func() (vault.Summary, error) {
			return e.v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: job, Checkpoints: e.st})
		},
	} {
		s, err := run()
		if err != nil || s.Failed != 1 || !errors.Is(s.Errors[0], vault.ErrCorrupt) || s.Errors[0].Key != bad.Key {
			t.Fatalf("summary %+v, errors %v, err %v", s.Progress, s.Errors, err)
		}
		after, _ := e.st.Get(ctx, bad.Key)
		if after.Version != bad.Version || string(after.Envelope) != string(bad.Envelope) {
			t.Fatal("the corrupt record was rewritten")
		}
	}
}

// TestRateLimitedJobHonoursDeadline: a rate-limited, checkpointed
// DEK rotation whose context has a deadline it cannot finish before. The
// job must stop at the deadline (an error matching
// context.DeadlineExceeded), count no record as failed for lack of time,
// and keep its checkpoint so that the next run resumes. (The rate
// limiter refuses at once with "would exceed context deadline" while the
// context is still live; that used to count every remaining record as
// failed, return nil and clear the checkpoint.)
func TestRateLimitedJobHonoursDeadline(t *testing.T) {
	for name, form := range storeForms {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			v := mustVault(t, form(e.store), e.keys)
			fill(t, e, 40)
			cp := &vault.MemCheckpoints{}
			ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			defer cancel()
			// 20 records per second: 2 s for the 40 records.
			s, err := v.RotateDEKs(ctx, vault.DEKOptions{Checkpoints: cp,
				JobOptions: vault.JobOptions{Org: "acme", PageSize: 4, Workers: 2, RatePerSecond: 20}})
			t.Logf("summary %+v, %d errors, err %v", s.Progress, len(s.Errors), err)
			if len(s.Errors) > 0 {
				t.Logf("first error: %v", s.Errors[0])
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("job ended with %v, want context.DeadlineExceeded", err)
			}
			if s.Failed != 0 {
				t.Errorf("%d records counted failed for lack of time", s.Failed)
			}
			if _, ok, _ := cp.LoadCheckpoint(context.Background(), "dek/acme"); !ok && s.Done >= 4 {
				t.Errorf("checkpoint lost after %d records rotated", s.Done)
			}
		})
	}
}

// bumpingBatch is a BatchPutter whose PutBatch is preceded by a
// concurrent writer re-storing every record of the batch unchanged (what a
// KEK rewrap does to the version), so every record loses its
// compare-and-swap and is settled by the conflict path.
type bumpingBatch struct {
	vault.Store
	bp vault.BatchPutter
}

func (s bumpingBatch) PutBatch(ctx context.Context, recs []vault.Record, expects []int64) ([]int64, []error) {
	for _, r := range recs {
		cur, _ := s.Store.Get(ctx, r.Key)
		s.Store.Put(ctx, cur, cur.Version)
	}
	return s.bp.PutBatch(ctx, recs, expects)
}

// unwrapHook resolves KEKs whose Unwrap runs through hook, which may fail,
// stall or watch the call around the real unwrap it is given. The tests'
// fault and probe KEKs are hooks.
type unwrapHook struct {
	vault.KEKResolver
	hook hookFunc
}

// A hookFunc stands around an Unwrap; unwrap performs the real one.
type hookFunc func(ctx context.Context, aad kek.AAD, unwrap func() ([]byte, error)) ([]byte, error)

func (h unwrapHook) KEK(ctx context.Context, org string) (kek.KEK, error) {
	k, err := h.KEKResolver.KEK(ctx, org)
	return hookedKEK{k, h.hook}, err
}

type hookedKEK struct {
	kek.KEK
	hook hookFunc
}

func (k hookedKEK) Unwrap(ctx context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, error) {
	return k.hook(ctx, aad, func() ([]byte, error) { return k.KEK.Unwrap(ctx, keyID, wrapped, aad) })
}

// countingKEKs resolves KEKs that record in *peak the most Unwrap calls
// in flight.
func countingKEKs(keys vault.KEKResolver, peak *atomic.Int64) unwrapHook {
	var in atomic.Int64
	return unwrapHook{keys, func(_ context.Context, _ kek.AAD, unwrap func() ([]byte, error)) ([]byte, error) {
		n := in.Add(1)
		defer in.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		return unwrap()
	}}
}

// TestWorkersBoundsConcurrentRotations: JobOptions.Workers
// "bounds concurrent record rotations". With a batching store, records
// whose compare-and-swap was lost are settled by a second worker pool in
// the writer while the preparer's pool rotates the next page.
func TestWorkersBoundsConcurrentRotations(t *testing.T) {
	e := newEnv(t)
	fill(t, e, 40)
	var peak atomic.Int64
	v := mustVault(t, bumpingBatch{e.store, e.store}, countingKEKs(e.keys, &peak))
	s, err := v.RotateDEKs(context.Background(), vault.DEKOptions{JobOptions: vault.JobOptions{Org: "acme", PageSize: 4, Workers: 1}})
	if err != nil || s.Done != 40 {
		t.Fatalf("summary %+v, err %v", s.Progress, err)
	}
	if p := peak.Load(); p > 1 {
		t.Fatalf("Workers: 1, but %d record rotations called the KEK at once", p)
	}
}

// TestRateCountsRecords: RatePerSecond is records per second, the rate
// Progress shows, not KEK calls. A limiter whose burst is one record and
// whose next token is days away lets exactly one record through, for a
// rewrap (unwrap and wrap) and a DEK rotation (unwrap and wrap) alike;
// counting KEK calls, it let none through (each record needs two) and
// the test ran into its deadline.
func TestRateCountsRecords(t *testing.T) {
	jobs := map[string]func(ctx context.Context, v *vault.Vault, o vault.JobOptions) (vault.Summary, error){
		"rewrap": func(ctx context.Context, v *vault.Vault, o vault.JobOptions) (vault.Summary, error) {
			return v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: o})
		},
		"dek": func(ctx context.Context, v *vault.Vault, o vault.JobOptions) (vault.Summary, error) {
			return v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: o})
		},
	}
	for name, rotate := range jobs {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			fill(t, e, 3)
			if _, err := e.keys.Rotate(t.Context(), "acme"); err != nil {
				t.Fatal(err)
			}
			// The job is cancelled once the first page (one record) is
			// done; the deadline only bounds a job that never gets there.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			s, err := rotate(ctx, e.v, vault.JobOptions{Org: "acme", PageSize: 1, Workers: 1, RatePerSecond: 1e-6,
				Progress: func(p vault.Progress) {
					if p.Done > 0 {
						cancel()
					}
				}})
			if !errors.Is(err, context.Canceled) || s.Done != 1 || s.Failed != 0 {
				t.Errorf("summary %+v, err %v; want 1 record done, then cancelled", s.Progress, err)
			}
		})
	}
}
