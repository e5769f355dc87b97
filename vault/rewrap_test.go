package vault_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/awskms"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
	"github.com/credvault/credvault/vault/store/sqlstore"
	_ "github.com/credvault/credvault/vault/store/sqlstore/pgsql" // benchPostgres opens PostgreSQL
)

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
	s, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme", PageSize: 25, Workers: 4,
		RatePerSecond: 1e6, Progress: func(vault.Progress) { reports++ }}})
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
	if s, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme"}}); err != nil || s.Done != 0 || s.Total != 0 {
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
	s, err := e.v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme", DryRun: true}})
	if err != nil || s.Done != 10 {
		t.Fatalf("dry run: %+v, %v", s, err)
	}
	if now, _ := e.v.KeyUsage(ctx, "acme"); fmt.Sprint(now) != fmt.Sprint(old) {
		t.Fatalf("dry run changed usage: %v -> %v", old, now)
	}
}

// TestRewrapKEKReportsEveryPage: "Progress, when set, is called
// after every page and at the end." A KEK rewrap over records under two
// old key versions lists two pages (one per key ID), and both must be
// reported (the first key ID's last page used to be skipped).
func TestRewrapKEKReportsEveryPage(t *testing.T) {
	for name, form := range storeForms {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			for i := range 6 {
				if i == 3 {
					if _, err := e.keys.Rotate(ctx, "acme"); err != nil {
						t.Fatal(err)
					}
				}
				k := vault.Key{Org: "acme", Registry: fmt.Sprintf("reg-%d", i)}
				c := credentials.UsernamePassword{Username: "u", Password: credentials.NewSecret("pw")}
				if _, err := e.v.Put(ctx, k, entry(c)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.keys.Rotate(ctx, "acme"); err != nil {
				t.Fatal(err)
			}
			v := mustVault(t, form(e.store), e.keys)
			var reports []vault.Progress
			s, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme", PageSize: 10,
				Progress: func(p vault.Progress) { reports = append(reports, p) }}})
			if err != nil || s.Done != 6 {
				t.Fatalf("summary %+v, err %v", s.Progress, err)
			}
			if len(reports) < 2 {
				t.Fatalf("two pages rotated, %d progress reports: %+v", len(reports), reports)
			}
		})
	}
}

// TestResumedRewrapKEKRetriesFailedRecords: the KEK rewrap keeps no
// checkpoint: it selects records by key ID, so a re-run after a stop
// visits exactly the records still to do, the one that failed among them.
func TestResumedRewrapKEKRetriesFailedRecords(t *testing.T) {
	e := newEnv(t)
	ks := fill(t, e, 40)
	current, err := e.keys.Rotate(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	v := mustVault(t, e.store, flakyKEKs(e.keys, ks[12].Registry))
	job := vault.JobOptions{Org: "acme", PageSize: 10, Workers: 2}
	ctx, stopping := stopAfter(t.Context(), job, 3)
	first, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: stopping})
	if !errors.Is(err, context.Canceled) || first.Failed != 1 || first.Done == 0 {
		t.Fatalf("stopped run: %+v, %v", first.Progress, err)
	}
	s, err := v.RewrapKEK(t.Context(), vault.RewrapOptions{JobOptions: job})
	if err != nil || s.Failed != 0 || s.Total != 40-first.Done || s.Done != s.Total {
		t.Fatalf("re-run after %d done: %+v, %v", first.Done, s.Progress, err)
	}
	if usage, _ := v.KeyUsage(t.Context(), "acme"); len(usage) != 1 || usage[current] != 40 {
		t.Fatalf("usage after the re-run: %v", usage)
	}
}

// TestRewrapKEKServerSideCorruptIsErrCorrupt: a record whose wrapped
// DEK was altered fails a server-side rewrap (AWS KMS ReEncrypt). The
// package documents that a record failing authentication is ErrCorrupt
// (and kek.ErrUnwrap when the KEK refused the wrapped DEK), as Open and
// the local unwrap+wrap rewrap report it; the server-side path must too.
func TestRewrapKEKServerSideCorruptIsErrCorrupt(t *testing.T) {
	e := newKMSEnv(t)
	ctx := context.Background()
	k := vault.Key{Org: "acme", Registry: "reg-bad"}
	if _, err := e.v.Put(ctx, k, entry(fixtures.All(canary)[0])); err != nil {
		t.Fatal(err)
	}
	corrupt(t, e.store, k)
	if _, _, err := e.v.Open(ctx, k); !errors.Is(err, vault.ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
	b := e.emu.AddKey(false)
	if err := e.emu.RetargetAlias("alias/credvault-acme", b); err != nil {
		t.Fatal(err)
	}
	kk, err := awskms.New(e.client, "alias/credvault-acme", awskms.WithAllowedKeys(e.arn))
	if err != nil {
		t.Fatal(err)
	}
	v := mustVault(t, e.store, kek.StaticResolver{"acme": kk})
	s, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme"}})
	if err != nil || s.Failed != 1 || len(s.Errors) != 1 {
		t.Fatalf("RewrapKEK = %+v %v, %v", s.Progress, s.Errors, err)
	}
	if !errors.Is(s.Errors[0], kek.ErrUnwrap) {
		t.Fatalf("error %v is not kek.ErrUnwrap", s.Errors[0])
	}
	if !errors.Is(s.Errors[0], vault.ErrCorrupt) {
		t.Fatalf("error %v is not vault.ErrCorrupt (Open and the local rewrap say ErrCorrupt)", s.Errors[0])
	}
}

// Sizes of the rotation benchmarks.
const (
	rotateRecords    = 100_000   // floor, memstore, sqlite, postgres
	rotateHeapBig    = 1_000_000 // sqlite-1m-heap, against rotateRecords
	kmsRecords       = 5_000     // kms-latency at 64 workers
	kmsSerialRecords = 250       // kms-latency at 1 worker: a rate sample
	kmsLatency       = 20 * time.Millisecond
	kmsWorkers       = 64
	rotateWorkers    = 8
	seedChunk        = 1000
)

// heapEnv enables BenchmarkRotate/sqlite-1m-heap, which seeds and rotates
// a million SQLite records (a few minutes on two cores): set it to 1.
const heapEnv = "CREDVAULT_BENCH_HEAP"

// BenchmarkRotate measures rotation throughput. Run it once:
//
//	go test -run '^$' -bench BenchmarkRotate -benchtime 1x ./vault/...
//
// Sub-benchmarks:
//   - floor: unwrap+wrap of rotateRecords DEKs with a local KEK in a plain
//     loop, no store: the limit for a KEK rewrap.
//   - memstore, sqlite, postgres: Vault.RewrapKEK over rotateRecords
//     records (postgres when CREDVAULT_TEST_POSTGRES_DSN is set).
//   - kms-latency: RewrapKEK (server-side ReEncrypt) through kek/awskms
//     against internal/kmsemu with 20 ms injected per call, at 1 worker
//     (a sample of kmsSerialRecords records: 5,000 at one worker would
//     take 100 s) and at 64 workers (kmsRecords); reports the ratio of
//     their rates as "speedup".
//   - sqlite-1m-heap: peak live heap while rotating a million SQLite
//     records over that for 100,000 ("heap-ratio"); only with
//     CREDVAULT_BENCH_HEAP=1.
//
// Each reports records/s. Records are seeded before the timer starts.
func BenchmarkRotate(b *testing.B) {
	b.Run("floor", benchRotateFloor)
	b.Run("memstore", func(b *testing.B) { benchRewrap(b, memstore.New(), rotateRecords) })
	b.Run("sqlite", func(b *testing.B) { benchRewrap(b, benchSQLite(b), rotateRecords) })
	b.Run("postgres", func(b *testing.B) { benchRewrap(b, benchPostgres(b), rotateRecords) })
	b.Run("kms-latency", benchKMSLatency)
	b.Run("sqlite-1m-heap", benchRotateHeap)
}

func benchSQLite(b *testing.B) vault.Store {
	st, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func benchPostgres(b *testing.B) vault.Store {
	dsn := os.Getenv("CREDVAULT_TEST_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("CREDVAULT_TEST_POSTGRES_DSN is not set (eval \"$(bash .ci/postgres.sh start)\")")
	}
	st, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	// The benchmark's org is unique, so runs never see each other's rows.
	return st
}

// benchRewrap seeds n records, then per iteration rotates the org's KEK
// (untimed) and times RewrapKEK moving every record to the new key.
func benchRewrap(b *testing.B, st vault.Store, n int) {
	org := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	v, m := newLocalVault(b, st, org)
	seedRecords(b, v, st, org, n)
	if pg, ok := st.(*sqlstore.Store); ok && pg.Dialect() == sqlstore.Postgres {
		b.Cleanup(func() { deleteOrg(st, org) }) // the server outlives the benchmark
	}
	var busy time.Duration
	for b.Loop() {
		busy += rewrapOnce(b, v, m, org, n)
	}
	b.ReportMetric(float64(n*b.N)/busy.Seconds(), "records/s")
}

// rewrapOnce rotates org's key and rewraps its n records, returning the
// time RewrapKEK took.
func rewrapOnce(b *testing.B, v *vault.Vault, m *local.Manager, org string, n int) time.Duration {
	ctx := context.Background()
	b.StopTimer()
	if _, err := m.Rotate(ctx, org); err != nil {
		b.Fatal(err)
	}
	runtime.GC() // the seeding's garbage is not the job's to collect
	b.StartTimer()
	start := time.Now()
	s, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: org, Workers: rotateWorkers}})
	took := time.Since(start)
	if err != nil || s.Done != int64(n) || s.Failed != 0 {
		b.Fatalf("RewrapKEK: %+v, %v", s.Progress, err)
	}
	return took
}

// deleteOrg removes the benchmark's records (for a shared PostgreSQL).
func deleteOrg(st vault.Store, org string) {
	ctx := context.Background()
	for {
		p, err := st.List(ctx, vault.Query{Org: org, Limit: vault.MaxPageSize})
		if err != nil || len(p.Records) == 0 {
			return
		}
		for _, r := range p.Records {
			_ = st.Delete(ctx, r.Key, 0)
		}
	}
}

// benchRotateFloor times unwrap+wrap of rotateRecords DEKs in a loop.
func benchRotateFloor(b *testing.B) {
	ctx := context.Background()
	_, m := newLocalVault(b, memstore.New(), "floor")
	kk, err := m.KEK(ctx, "floor")
	if err != nil {
		b.Fatal(err)
	}
	wrapped, aads := wrapDEKs(b, kk, rotateRecords)
	var busy time.Duration
	for b.Loop() {
		b.StopTimer()
		if _, err := m.Rotate(ctx, "floor"); err != nil {
			b.Fatal(err)
		}
		runtime.GC() // as before each rewrap job
		b.StartTimer()
		start := time.Now()
		for i := range wrapped {
			wrapped[i] = rewrapDEK(b, kk, wrapped[i], aads[i])
		}
		busy += time.Since(start)
	}
	b.ReportMetric(float64(rotateRecords*b.N)/busy.Seconds(), "records/s")
}

// A wrappedDEK is a DEK wrapped by one key version.
type wrappedDEK struct {
	keyID   string
	wrapped []byte
}

// wrapDEKs wraps n random DEKs under record-like AADs.
func wrapDEKs(b *testing.B, kk kek.KEK, n int) ([]wrappedDEK, [][]byte) {
	ctx := context.Background()
	out, aads := make([]wrappedDEK, n), make([][]byte, n)
	dek := make([]byte, envelope.DEKSize)
	for i := range out {
		k := seedKey("floor", i)
		aads[i] = envelope.DEKAAD(nil, envelope.Version1, k.Org, k.Registry, string(credentials.KindUsernamePassword))
		w, id, err := kk.Wrap(ctx, dek, kek.AAD{Data: aads[i]})
		if err != nil {
			b.Fatal(err)
		}
		out[i] = wrappedDEK{keyID: id, wrapped: w}
	}
	return out, aads
}

// rewrapDEK unwraps w and wraps the DEK under kk's current key.
func rewrapDEK(b *testing.B, kk kek.KEK, w wrappedDEK, aad []byte) wrappedDEK {
	ctx := context.Background()
	dek, err := kk.Unwrap(ctx, w.keyID, w.wrapped, kek.AAD{Data: aad})
	if err != nil {
		b.Fatal(err)
	}
	wrapped, id, err := kk.Wrap(ctx, dek, kek.AAD{Data: aad})
	clear(dek)
	if err != nil {
		b.Fatal(err)
	}
	return wrappedDEK{keyID: id, wrapped: wrapped}
}

// kmsResolver gives each org its AWS KMS KEK.
type kmsResolver struct {
	mu   sync.Mutex
	keks map[string]kek.KEK
}

// KEK implements vault.KEKResolver.
func (r *kmsResolver) KEK(_ context.Context, org string) (kek.KEK, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k, ok := r.keks[org]; ok {
		return k, nil
	}
	return nil, kek.ErrKeyNotFound
}

// set gives org the KEK behind alias/<org>, also accepting DEKs wrapped
// by the keys in allowed (the alias's earlier targets).
func (r *kmsResolver) set(b *testing.B, client *kms.Client, org string, allowed ...string) {
	k, err := awskms.New(client, "alias/"+org, awskms.WithKeyIDCacheTTL(0), awskms.WithAllowedKeys(allowed...))
	if err != nil {
		b.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keks[org] = k
}

// benchKMSLatency compares RewrapKEK at 1 and 64 workers against a KMS
// answering every call after 20 ms.
func benchKMSLatency(b *testing.B) {
	emu := kmsemu.Start(b)
	client := kms.NewFromConfig(emu.Config())
	st := memstore.New()
	keys := &kmsResolver{keks: map[string]kek.KEK{}}
	v, err := vault.New(st, keys)
	if err != nil {
		b.Fatal(err)
	}
	var serial, parallel float64
	for b.Loop() {
		b.StopTimer()
		emu.SetLatency(0)
		prepareKMSOrg(b, emu, client, keys, v, st, "serial", kmsSerialRecords)
		prepareKMSOrg(b, emu, client, keys, v, st, "parallel", kmsRecords)
		emu.SetLatency(kmsLatency)
		b.StartTimer()
		serial = kmsRewrapRate(b, v, "serial", 1, kmsSerialRecords)
		parallel = kmsRewrapRate(b, v, "parallel", kmsWorkers, kmsRecords)
	}
	b.ReportMetric(serial, "records/s@1")
	b.ReportMetric(parallel, "records/s@64")
	b.ReportMetric(parallel/serial, "speedup")
}

// prepareKMSOrg (re)creates org's n records under a fresh KMS key behind
// alias/<org>, then points the alias at another fresh key.
func prepareKMSOrg(b *testing.B, emu *kmsemu.Emulator, client *kms.Client, keys *kmsResolver, v *vault.Vault, st vault.Store, org string, n int) {
	deleteOrg(st, org)
	alias := "alias/" + org
	if err := emu.RetargetAlias(alias, emu.AddKey(false)); err != nil {
		if err := emu.AddAlias(alias, emu.AddKey(false)); err != nil {
			b.Fatal(err)
		}
	}
	keys.set(b, client, org)
	seedRecords(b, v, st, org, n)
	usage, err := st.KeyUsage(context.Background(), org)
	if err != nil {
		b.Fatal(err)
	}
	var old []string
	for id := range usage {
		old = append(old, id)
	}
	if err := emu.RetargetAlias(alias, emu.AddKey(false)); err != nil {
		b.Fatal(err)
	}
	keys.set(b, client, org, old...)
}

// kmsRewrapRate rewraps org's n records with the given workers and
// returns records per second.
func kmsRewrapRate(b *testing.B, v *vault.Vault, org string, workers, n int) float64 {
	start := time.Now()
	s, err := v.RewrapKEK(context.Background(), vault.RewrapOptions{JobOptions: vault.JobOptions{Org: org, Workers: workers, PageSize: 1000}})
	took := time.Since(start)
	if err != nil || s.Done != int64(n) || s.Failed != 0 {
		b.Fatalf("RewrapKEK %s: %+v, %v, first errors %v", org, s.Progress, err, s.Errors[:min(3, len(s.Errors))])
	}
	return float64(n) / took.Seconds()
}

// benchRotateHeap compares the peak live heap of rewrapping a million
// SQLite records with that of 100,000.
func benchRotateHeap(b *testing.B) {
	if os.Getenv(heapEnv) != "1" {
		b.Skipf("seeds and rotates %d SQLite records; set %s=1 to run", rotateHeapBig, heapEnv)
	}
	var small, big uint64
	for b.Loop() {
		small = peakHeapOfRewrap(b, rotateRecords)
		big = peakHeapOfRewrap(b, rotateHeapBig)
	}
	b.ReportMetric(float64(small)/(1<<20), "MiB-peak-100k")
	b.ReportMetric(float64(big)/(1<<20), "MiB-peak-1m")
	b.ReportMetric(float64(big)/float64(small), "heap-ratio")
}

// peakHeapOfRewrap seeds n SQLite records and returns the peak of live
// heap objects while RewrapKEK rotates them, sampled every millisecond.
func peakHeapOfRewrap(b *testing.B, n int) uint64 {
	b.StopTimer()
	st := benchSQLite(b)
	org := "heap"
	v, m := newLocalVault(b, st, org)
	seedRecords(b, v, st, org, n)
	if _, err := m.Rotate(context.Background(), org); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.StartTimer()
	stop := sampleHeap()
	s, err := v.RewrapKEK(context.Background(), vault.RewrapOptions{JobOptions: vault.JobOptions{Org: org, Workers: rotateWorkers}})
	top := stop()
	if err != nil || s.Done != int64(n) {
		b.Fatalf("RewrapKEK: %+v, %v", s.Progress, err)
	}
	return top
}

// sampleHeap samples the live heap ("/memory/classes/heap/objects:bytes")
// every millisecond until the returned stop is called, which returns the
// peak seen.
func sampleHeap() (stop func() uint64) {
	var top uint64
	done, exited := make(chan struct{}), make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(exited)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			top = max(top, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); <-exited; return top }
}

// Rotate an org's KEK, then move every record onto the new key version.
func ExampleVault_RewrapKEK() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "credvault-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	keys, _ := local.Open(dir, root)
	_ = keys.Create(ctx, "acme")
	v, _ := vault.New(memstore.New(), keys)
	putExampleRecords(ctx, v, "acme", 3)

	current, _ := keys.Rotate(ctx, "acme") // a new primary key version
	s, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme", Workers: 4}})
	if err != nil {
		fmt.Println(err)
		return
	}
	usage, _ := v.KeyUsage(ctx, "acme")
	fmt.Printf("rewrapped %d of %d, %d failed\n", s.Done, s.Total, s.Failed)
	fmt.Println("every record on the new key:", len(usage) == 1 && usage[current] == 3)
	// Output:
	// rewrapped 3 of 3, 0 failed
	// every record on the new key: true
}

// putExampleRecords stores n credentials for org, as an application would.
func putExampleRecords(ctx context.Context, v *vault.Vault, org string, n int) {
	for i := range n {
		k := vault.Key{Org: org, Registry: fmt.Sprintf("registry-%d", i)}
		cred := credentials.UsernamePassword{Username: "deploy-bot", Password: credentials.NewSecret("example-password")}
		e := vault.Entry{Provider: "DOCKER_REGISTRY", URL: "https://registry.example.com", Credential: cred}
		if _, err := v.Put(ctx, k, e); err != nil {
			fmt.Println(err)
		}
	}
}
