package vault_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/internal/metrictest"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// metricsOrg is the org of the metrics workload: not a secret, but kept
// out of every attribute (see metrics.go), which the test checks too.
const metricsOrg = "tenant-metrics"

// sdkProvider is an OpenTelemetry SDK MeterProvider whose measurements
// nobody reads: every instrument enabled, as in a service that exports
// them.
func sdkProvider() metric.MeterProvider {
	mp, _ := metrictest.Provider()
	return mp
}

// sumPrefix adds up the series whose key starts with prefix.
func sumPrefix(got map[string]int64, prefix string) int64 {
	var n int64
	for k, v := range got {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// TestMetricsCarryNoSecretAndCountTheWorkload seals, opens, rotates and
// fails with canary secrets, then checks every instrument's counts and
// that no attribute carries a secret, an org, a registry or a key ID.
func TestMetricsCarryNoSecretAndCountTheWorkload(t *testing.T) {
	e := newEnv(t, metricsOrg)
	mp, reader := metrictest.Provider()
	var logs bytes.Buffer
	v, err := vault.New(e.store, e.keys, vault.WithDEKCache(100, time.Hour), vault.WithMeterProvider(mp),
		vault.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kinds := fixtures.All(canary)
	var keys []vault.Key
	for _, c := range kinds {
		k := vault.Key{Org: metricsOrg, Registry: "reg-" + string(c.Kind())}
		keys = append(keys, k)
		if _, err := v.Put(ctx, k, entry(c)); err != nil {
			t.Fatal(err)
		}
		for range 2 { // a miss, then a hit
			if _, _, err := v.Open(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
	}
	bad := vault.Entry{Provider: "NOPE-" + canary, Credential: credentials.UsernamePassword{Username: "u", Password: credentials.NewSecret(canary)}}
	if _, err := v.Seal(ctx, keys[0], bad); !errors.Is(err, vault.ErrInvalidEntry) {
		t.Fatalf("invalid seal: %v", err)
	}
	corrupt(t, e.store, keys[0])
	if _, _, err := v.Open(ctx, keys[0]); !errors.Is(err, vault.ErrCorrupt) {
		t.Fatalf("corrupt open: %v", err)
	}
	if _, err := e.keys.Rotate(ctx, metricsOrg); err != nil {
		t.Fatal(err)
	}
	jobs := vault.JobOptions{Org: metricsOrg}
	if _, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: metricsOrg, DryRun: true}}); err != nil {
		t.Fatal(err) // a dry run counts no record and no job
	}
	if s, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: jobs}); err != nil || s.Failed != 1 {
		t.Fatalf("rewrap: %+v, %v", s, err)
	}
	if s, err := v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: jobs, Checkpoints: &vault.MemCheckpoints{}}); err != nil || s.Failed != 1 {
		t.Fatalf("DEK rotation: %+v, %v", s, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := v.RotateDEKs(cancelled, vault.DEKOptions{JobOptions: jobs}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled DEK rotation: %v", err)
	}

	var banned []string
	for _, k := range keys {
		banned = append(banned, k.Registry)
	}
	usage, err := v.KeyUsage(ctx, metricsOrg)
	if err != nil || len(usage) == 0 {
		t.Fatalf("key usage: %v, %v", usage, err)
	}
	for id := range usage {
		banned = append(banned, id)
	}
	got := metrictest.Series(t, reader, append(banned, canary, metricsOrg, "NOPE")...)
	n := int64(len(kinds))
	want := map[string]int64{
		"credvault.vault.seal.duration{}":                                                        n,
		"credvault.vault.seal.duration{error.type=invalid_entry}":                                1,
		"credvault.vault.open.duration{}":                                                        2 * n,
		"credvault.vault.open.duration{error.type=corrupt}":                                      1,
		"credvault.job.records{credvault.job.kind=rewrap,credvault.job.record.result=done}":      n - 1,
		"credvault.job.records{credvault.job.kind=rewrap,credvault.job.record.result=failed}":    1,
		"credvault.job.records{credvault.job.kind=dek,credvault.job.record.result=done}":         n - 1,
		"credvault.job.records{credvault.job.kind=dek,credvault.job.record.result=failed}":       1,
		"credvault.job.duration{credvault.job.kind=rewrap,credvault.job.result=completed}":       1,
		"credvault.job.duration{credvault.job.kind=dek,credvault.job.result=completed}":          1,
		"credvault.job.duration{credvault.job.kind=dek,credvault.job.result=canceled}":           1,
		"credvault.kek.operation.duration{credvault.kek.operation=unwrap,error.type=kek_unwrap}": 3, // open, rewrap, DEK rotation of the corrupt record
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %d, want %d", k, got[k], w)
		}
	}
	st := v.Stats()
	for prefix, w := range map[string]int64{
		"credvault.kek.operation.duration{credvault.kek.operation=wrap":      st.Wraps,
		"credvault.kek.operation.duration{credvault.kek.operation=unwrap":    st.Unwraps,
		"credvault.kek.operation.duration{credvault.kek.operation=rewrap":    st.Rewraps,
		"credvault.vault.dek_cache.lookups{credvault.dek_cache.result=hit}":  st.CacheHits,
		"credvault.vault.dek_cache.lookups{credvault.dek_cache.result=miss}": st.CacheMisses,
	} {
		if g := sumPrefix(got, prefix); g != w || w == 0 && !strings.Contains(prefix, "rewrap") {
			t.Errorf("%s...} = %d, want %d (the vault's Stats)", prefix, g, w)
		}
	}
	if st.CacheHits < n {
		t.Errorf("cache hits = %d, want at least %d", st.CacheHits, n)
	}
	if bytes.Contains(logs.Bytes(), []byte(canary)) {
		t.Fatalf("a log event carries the canary: %s", logs.Bytes())
	}
}

// TestMetricsDefaultToTheGlobalProvider checks that a vault built
// without WithMeterProvider reports to the provider the application
// installs globally, even after the vault was built.
func TestMetricsDefaultToTheGlobalProvider(t *testing.T) {
	e := newEnv(t)
	mp, reader := metrictest.Provider()
	otel.SetMeterProvider(mp)
	t.Cleanup(func() { otel.SetMeterProvider(noop.NewMeterProvider()) })
	if _, err := e.v.Put(context.Background(), ghcr, entry(credentials.UsernamePat{Username: "u", Pat: credentials.NewSecret("ghp_" + canary)})); err != nil {
		t.Fatal(err)
	}
	if got := metrictest.Series(t, reader, canary); got["credvault.vault.seal.duration{}"] < 1 {
		t.Fatalf("the global provider saw no seal: %v", got)
	}
}

// TestJobEventsAreLogged checks the job events: started, resumed (and
// after which registry), finished with counts, and failed.
func TestJobEventsAreLogged(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	v, err := vault.New(e.store, e.keys, vault.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ks := fill(t, env{v: v, store: e.store, keys: e.keys}, 3)
	cp := &vault.MemCheckpoints{}
	if err := cp.SaveCheckpoint(ctx, "dek/acme", vault.Checkpoint{After: ks[0]}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: vault.JobOptions{Org: "acme"}, Checkpoints: cp}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme"}}); err != nil {
		t.Fatal(err)
	}
	failing := vault.JobOptions{Org: "nosuchorg"} // no keyset: the job fails before any record
	if _, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: failing}); err == nil {
		t.Fatal("rewrap of an org without keys succeeded")
	}
	for _, want := range []string{
		`msg="credvault job resumed" org=acme job=dek total=3 dry_run=false after=reg-0000`,
		`msg="credvault job finished" org=acme job=dek result=completed done=2 skipped=0 failed=0 total=3`,
		`msg="credvault job started" org=acme job=rewrap total=0 dry_run=false`,
		`msg="credvault job finished" org=acme job=rewrap result=completed done=0`,
		`level=ERROR msg="credvault job failed" org=nosuchorg job=rewrap result=failed`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %s in\n%s", want, logs.String())
		}
	}
}

// TestLeaseChangesCounted runs leased work that ends released, lost
// and held elsewhere, under lease names of known and unknown kinds, and
// checks credvault.lease.changes, with no attribute carrying an org or
// the caller's name; a vault's own leased jobs count with its provider.
func TestLeaseChangesCounted(t *testing.T) {
	mp, reader := metrictest.Provider()
	st := memstore.New()
	ctx := t.Context()
	held := vault.LeaseOptions{Leaser: st, Holder: "a", MeterProvider: mp}
	other := vault.LeaseOptions{Leaser: st, Holder: "b", MeterProvider: mp}
	err := vault.RunLeased(ctx, held, "health/"+metricsOrg, func(ctx context.Context) error {
		return vault.RunLeased(ctx, other, "health/"+metricsOrg, func(context.Context) error { return nil })
	})
	if !errors.Is(err, vault.ErrLeaseHeld) {
		t.Fatalf("RunLeased by b under a: %v", err)
	}
	losing := vault.LeaseOptions{Holder: "a", TTL: 30 * time.Millisecond, MeterProvider: mp,
		Leaser: renewHook{Leaser: st, renew: func(context.Context, vault.Lease, time.Duration) (vault.Lease, error) {
			return vault.Lease{}, vault.ErrLeaseLost
		}}}
	err = vault.RunLeased(ctx, losing, "odd-"+canary+"/"+metricsOrg, func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, vault.ErrLeaseLost) {
		t.Fatalf("RunLeased with renewals refused: %v", err)
	}
	e := newEnv(t, metricsOrg)
	v, err := vault.New(e.store, e.keys, vault.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	jobs := vault.JobOptions{Org: metricsOrg, Lease: vault.LeaseOptions{Leaser: e.store, Holder: "a"}}
	if _, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: jobs}); err != nil {
		t.Fatal(err)
	}
	got := metrictest.Series(t, reader, canary, metricsOrg, "odd")
	const name = "credvault.lease.changes"
	for k, n := range map[string]int64{
		name + "{credvault.job.kind=health,credvault.lease.change=acquired}": 1,
		name + "{credvault.job.kind=health,credvault.lease.change=released}": 1,
		name + "{credvault.job.kind=_OTHER,credvault.lease.change=acquired}": 1,
		name + "{credvault.job.kind=_OTHER,credvault.lease.change=lost}":     1,
		name + "{credvault.job.kind=rewrap,credvault.lease.change=acquired}": 1,
		name + "{credvault.job.kind=rewrap,credvault.lease.change=released}": 1,
	} {
		if got[k] != n {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

// Record the vault's metrics with the OpenTelemetry SDK (here a manual
// reader; a service would export them, e.g. with OTLP or Prometheus).
func ExampleWithMeterProvider() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "credvault-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	keys, _ := local.Open(dir, root)
	_ = keys.Create(ctx, "acme")
	reader := sdkmetric.NewManualReader()
	v, _ := vault.New(memstore.New(), keys, vault.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))

	k := vault.Key{Org: "acme", Registry: "ghcr-main"}
	cred := credentials.UsernamePat{Username: "deploy-bot", Pat: credentials.NewSecret("ghp_EXAMPLEexampleEXAMPLE")}
	_, _ = v.Put(ctx, k, vault.Entry{Provider: "GHCR", Credential: cred})
	_, _, _ = v.Open(ctx, k)

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		for _, p := range m.Data.(metricdata.Histogram[float64]).DataPoints {
			fmt.Println(m.Name, m.Unit, p.Attributes.Encoded(attribute.DefaultEncoder()), p.Count)
		}
	}
	// Unordered output:
	// credvault.vault.seal.duration s  1
	// credvault.vault.open.duration s  1
	// credvault.kek.operation.duration s credvault.kek.operation=wrap 1
	// credvault.kek.operation.duration s credvault.kek.operation=unwrap 1
}

// Log the rotation jobs' events (the time and elapsed fields dropped
// here to keep the output fixed).
func ExampleWithLogger() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "credvault-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	keys, _ := local.Open(dir, root)
	_ = keys.Create(ctx, "acme")
	drop := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "elapsed" {
			return slog.Attr{}
		}
		return a
	}
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: drop}))
	v, _ := vault.New(memstore.New(), keys, vault.WithLogger(log))

	cred := credentials.UsernamePat{Username: "deploy-bot", Pat: credentials.NewSecret("ghp_EXAMPLEexampleEXAMPLE")}
	_, _ = v.Put(ctx, vault.Key{Org: "acme", Registry: "ghcr-main"}, vault.Entry{Provider: "GHCR", Credential: cred})
	_, _ = v.RotateDEKs(ctx, vault.DEKOptions{JobOptions: vault.JobOptions{Org: "acme"}})
	// Output:
	// level=INFO msg="credvault job started" org=acme job=dek total=1 dry_run=false
	// level=INFO msg="credvault job finished" org=acme job=dek result=completed done=1 skipped=0 failed=0 total=1 dry_run=false
}
