package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/credcodec"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/awskms"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// wire records the EncryptionContext of every KMS request as the emulator
// receives it, in front of the emulator's handler.
type wire struct {
	next http.Handler
	mu   sync.Mutex
	last map[string]map[string]string // operation -> context
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, kmsemu.MaxRequestBody))
	if err == nil {
		var req struct {
			EncryptionContext       map[string]string
			SourceEncryptionContext map[string]string
		}
		if json.Unmarshal(body, &req) == nil {
			op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
			w.mu.Lock()
			w.last[op] = req.EncryptionContext
			if req.SourceEncryptionContext != nil {
				w.last[op] = req.SourceEncryptionContext
			}
			w.mu.Unlock()
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	w.next.ServeHTTP(rw, r)
}

func (w *wire) context(op string) map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last[op]
}

// kmsEnv is a vault whose org KEKs are AWS KMS keys in an emulator.
type kmsEnv struct {
	emu       *kmsemu.Emulator
	wire      *wire
	transport *http.Transport
	client    *kms.Client
	store     *memstore.Store
	v         *vault.Vault
	arn       string // the key behind alias/credvault-acme
}

// startKMS serves an emulator behind a wire recorder.
func startKMS(t testing.TB) (*kmsemu.Emulator, *wire) {
	t.Helper()
	e := kmsemu.New()
	w := &wire{next: e, last: map[string]map[string]string{}}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	t.Cleanup(e.Close) // runs first: releases handlers sleeping on latency
	e.URL = srv.URL
	return e, w
}

// kmsClient is a real SDK client for e with the standard retryer (3
// attempts) and no backoff delay, over its own transport.
func kmsClient(e *kmsemu.Emulator) (*kms.Client, *http.Transport) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	cfg := e.Config()
	cfg.HTTPClient = &http.Client{Transport: tr}
	return kms.NewFromConfig(cfg, func(o *kms.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}), tr
}

// newKMSEnv builds a vault over memstore whose orgs acme and globex both
// use alias/credvault-acme, with the given vault options.
func newKMSEnv(t testing.TB, opts ...vault.Option) *kmsEnv {
	t.Helper()
	e, w := startKMS(t)
	client, tr := kmsClient(e)
	arn := e.AddKey(false)
	if err := e.AddAlias("alias/credvault-acme", arn); err != nil {
		t.Fatal(err)
	}
	k, err := awskms.New(client, "alias/credvault-acme")
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	v, err := vault.New(st, kek.StaticResolver{"acme": k, "globex": k}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &kmsEnv{emu: e, wire: w, transport: tr, client: client, store: st, v: v, arn: arn}
}

// sameCredential reports whether two credentials encode identically.
func sameCredential(t testing.TB, a, b credentials.Credential) bool {
	t.Helper()
	ea, err1 := credcodec.Encode(a)
	eb, err2 := credcodec.Encode(b)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

func TestKMSPutOpenRoundTrip(t *testing.T) {
	e := newKMSEnv(t)
	ctx := context.Background()
	for _, c := range fixtures.All(canary) {
		k := vault.Key{Org: "acme", Registry: "reg-" + string(c.Kind())}
		d, err := e.v.Put(ctx, k, entry(c))
		if err != nil {
			t.Fatal(err)
		}
		if d.KeyID != e.arn {
			t.Fatalf("recorded key ID %q, want the key ARN %q", d.KeyID, e.arn)
		}
		got, _, err := e.v.Open(ctx, k)
		if err != nil || !sameCredential(t, c, got.Credential) {
			t.Fatalf("%s: open: %v", c.Kind(), err)
		}
	}
}

// TestKMSThroughTemplateResolver runs the vault over kek.Open: a URL
// template resolver opening awskms:// URLs against the emulator.
func TestKMSThroughTemplateResolver(t *testing.T) {
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "fake-secret",
		"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
		"AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	emu, _ := startKMS(t)
	arns := map[string]string{}
	for _, org := range []string{"acme", "globex"} {
		arns[org] = emu.AddKey(false)
		if err := emu.AddAlias("alias/credvault-"+org, arns[org]); err != nil {
			t.Fatal(err)
		}
	}
	r, err := kek.NewTemplateResolver("awskms://alias/credvault-{org}?region=us-east-1&endpoint=" + url.QueryEscape(emu.URL))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(memstore.New(), r)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := fixtures.All(canary)[0]
	for org, arn := range arns {
		k := vault.Key{Org: org, Registry: "ghcr"}
		d, err := v.Put(ctx, k, entry(c))
		if err != nil || d.KeyID != arn {
			t.Fatalf("%s: put: %v, key ID %q want %q", org, err, d.KeyID, arn)
		}
		if got, _, err := v.Open(ctx, k); err != nil || !sameCredential(t, c, got.Credential) {
			t.Fatalf("%s: open: %v", org, err)
		}
	}
	if _, err := v.Put(ctx, vault.Key{Org: "umbrella", Registry: "ghcr"}, entry(c)); !errors.Is(err, kek.ErrKeyNotFound) {
		t.Fatalf("org without a KMS key: %v, want kek.ErrKeyNotFound", err)
	}
}

func TestKMSEncryptionContextCarriesLabels(t *testing.T) {
	e := newKMSEnv(t)
	ctx := context.Background()
	if _, err := e.v.Put(ctx, ghcr, entry(fixtures.All(canary)[1])); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.v.Open(ctx, ghcr); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"Encrypt", "Decrypt"} {
		ec := e.wire.context(op)
		if ec["credvault:org"] != "acme" || ec["credvault:registry"] != "ghcr-main" || len(ec["credvault:aad"]) != 43 || len(ec) != 3 {
			t.Fatalf("%s EncryptionContext = %v", op, ec)
		}
		for _, v := range ec {
			if strings.Contains(v, canary) {
				t.Fatalf("%s EncryptionContext carries the secret", op)
			}
		}
	}
}

func TestKMSMovedRecordFails(t *testing.T) {
	e := newKMSEnv(t)
	ctx := context.Background()
	if _, err := e.v.Put(ctx, ghcr, entry(fixtures.All(canary)[1])); err != nil {
		t.Fatal(err)
	}
	rec, err := e.store.Get(ctx, ghcr)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []vault.Key{{Org: "acme", Registry: "other"}, {Org: "globex", Registry: "ghcr-main"}} {
		if _, err := e.store.Put(ctx, vault.Record{Key: to, KeyID: rec.KeyID, Envelope: rec.Envelope}, 0); err != nil {
			t.Fatal(err)
		}
		got, _, err := e.v.Open(ctx, to)
		if !errors.Is(err, vault.ErrCorrupt) || got.Credential != nil {
			t.Fatalf("record moved to %s opened: %v", to, err)
		}
	}
}

// kmsFaults are the ways KMS fails; each outlasts the SDK's 3 attempts or
// the caller's deadline.
var kmsFaults = []struct {
	name   string
	inject func(*kmsemu.Emulator)
	ctx    func() (context.Context, context.CancelFunc)
}{
	{"unavailable 5xx", func(e *kmsemu.Emulator) { e.FailNext(100) }, background},
	{"dropped connections", func(e *kmsemu.Emulator) { e.DropNext(100) }, background},
	{"throttled beyond retries", func(e *kmsemu.Emulator) { e.ThrottleNext(100) }, background},
	{"slower than the deadline", func(e *kmsemu.Emulator) { e.SetLatency(time.Hour) }, func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 50*time.Millisecond)
	}},
}

func background() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

func TestKMSFaultsStoreNothingAndOpenNothing(t *testing.T) {
	for _, f := range kmsFaults {
		t.Run(f.name, func(t *testing.T) {
			e := newKMSEnv(t)
			first, second := fixtures.All(canary)[1], fixtures.All(canary + "2")[1]
			if _, err := e.v.Put(context.Background(), ghcr, entry(first)); err != nil {
				t.Fatal(err)
			}
			before, _ := e.store.Get(context.Background(), ghcr)

			f.inject(e.emu)
			ctx, cancel := f.ctx()
			_, putErr := e.v.Put(ctx, ghcr, entry(second))
			cancel()
			ctx, cancel = f.ctx()
			got, _, openErr := e.v.Open(ctx, ghcr)
			cancel()
			e.emu.ClearFaults()

			if !errors.Is(putErr, kek.ErrUnavailable) {
				t.Fatalf("Put error = %v, want kek.ErrUnavailable", putErr)
			}
			if !errors.Is(openErr, kek.ErrUnavailable) || got.Credential != nil {
				t.Fatalf("Open = %v, %v; want kek.ErrUnavailable and no credential", got.Credential, openErr)
			}
			after, err := e.store.Get(context.Background(), ghcr)
			if err != nil || after.Version != before.Version || !bytes.Equal(after.Envelope, before.Envelope) {
				t.Fatalf("store changed by a failed Put (version %d -> %d)", before.Version, after.Version)
			}
			prev, _, err := e.v.Open(context.Background(), ghcr)
			if err != nil || !sameCredential(t, first, prev.Credential) {
				t.Fatalf("previous version no longer opens: %v", err)
			}
		})
	}
}

func TestKMSNewRecordNotStoredOnFault(t *testing.T) {
	e := newKMSEnv(t)
	e.emu.FailNext(100)
	if _, err := e.v.Put(context.Background(), ghcr, entry(fixtures.All(canary)[0])); err == nil {
		t.Fatal("Put succeeded while KMS failed")
	}
	if _, err := e.store.Get(context.Background(), ghcr); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("a failed Put stored something: %v", err)
	}
}

// settledGoroutines waits (bounded) for the goroutine count to drop to
// at most want and returns the last count seen.
func settledGoroutines(want int, tr *http.Transport) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 500 && n > want; i++ {
		tr.CloseIdleConnections()
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// steadyGoroutines closes idle connections and returns the goroutine count
// once it stops changing.
func steadyGoroutines(tr *http.Transport) int {
	tr.CloseIdleConnections()
	n, same := runtime.NumGoroutine(), 0
	for i := 0; i < 200 && same < 5; i++ {
		time.Sleep(5 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	return n
}

func TestKMSNoGoroutineLeakAfterCancel(t *testing.T) {
	e := newKMSEnv(t)
	ctx := context.Background()
	if _, err := e.v.Put(ctx, ghcr, entry(fixtures.All(canary)[1])); err != nil {
		t.Fatal(err)
	}
	base := steadyGoroutines(e.transport)

	e.emu.SetLatency(time.Hour)
	var wg sync.WaitGroup
	for i := range 20 {
		cctx, cancel := context.WithCancel(ctx)
		wg.Go(func() {
			if i%2 == 0 {
				_, _ = e.v.Put(cctx, ghcr, entry(fixtures.All(canary)[1]))
			} else {
				_, _, _ = e.v.Open(cctx, ghcr)
			}
		})
		time.AfterFunc(time.Duration(i)*time.Millisecond, cancel)
	}
	wg.Wait()
	e.emu.SetLatency(0)
	if n := settledGoroutines(base, e.transport); n > base {
		t.Fatalf("%d goroutines after 20 cancelled calls, %d before", n, base)
	}
}

// TestKMSCachedOpensMakeOneDecrypt is the functional check behind
// BenchmarkOpenHot/kms-cached: inside the DEK cache TTL, 1,000 opens of
// one record cost exactly one KMS Decrypt.
func TestKMSCachedOpensMakeOneDecrypt(t *testing.T) {
	e := newKMSEnv(t, vault.WithDEKCache(64, time.Hour))
	ctx := context.Background()
	c := fixtures.All(canary)[1]
	if _, err := e.v.Put(ctx, ghcr, entry(c)); err != nil {
		t.Fatal(err)
	}
	e.emu.ResetCalls()
	for range 1000 {
		got, _, err := e.v.Open(ctx, ghcr)
		if err != nil || !sameCredential(t, c, got.Credential) {
			t.Fatal(err)
		}
	}
	if n, total := e.emu.Calls("Decrypt"), e.emu.TotalCalls(); n != 1 || total != 1 {
		t.Fatalf("1,000 cached opens made %d Decrypt calls (%d KMS calls), want exactly 1", n, total)
	}
	want := vault.Stats{Wraps: 1, Unwraps: 1, CacheHits: 999, CacheMisses: 1, CacheSize: 1}
	if got := e.v.Stats(); got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
	e.v.PurgeDEKCache()
	if _, _, err := e.v.Open(ctx, ghcr); err != nil || e.emu.Calls("Decrypt") != 2 {
		t.Fatalf("open after purge: %v, Decrypt calls %d, want 2", err, e.emu.Calls("Decrypt"))
	}
}

// TestKMSCallsPerOperation pins the KMS calls a put and an open make,
// with the KEK named by alias and by key ARN.
func TestKMSCallsPerOperation(t *testing.T) {
	for _, byAlias := range []bool{true, false} {
		e := newKMSEnv(t, vault.WithDEKCache(64, time.Hour))
		id := e.arn
		if byAlias {
			id = "alias/credvault-acme"
		}
		k, err := awskms.New(e.client, id)
		if err != nil {
			t.Fatal(err)
		}
		v, err := vault.New(e.store, kek.StaticResolver{"acme": k}, vault.WithDEKCache(64, time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		calls := func(f func() error) map[string]int64 {
			e.emu.ResetCalls()
			if err := f(); err != nil {
				t.Fatal(err)
			}
			out := map[string]int64{}
			for _, op := range []string{"Encrypt", "Decrypt", "DescribeKey", "ReEncrypt", "GenerateDataKey"} {
				if n := e.emu.Calls(op); n != 0 {
					out[op] = n
				}
			}
			return out
		}
		put := calls(func() error { _, err := v.Put(ctx, ghcr, entry(fixtures.All(canary)[1])); return err })
		uncached := calls(func() error { _, _, err := v.Open(ctx, ghcr); return err })
		cached := calls(func() error { _, _, err := v.Open(ctx, ghcr); return err })
		t.Logf("alias=%v: put %v, open uncached %v, open cached %v", byAlias, put, uncached, cached)
		if len(put) != 1 || put["Encrypt"] != 1 || len(uncached) != 1 || uncached["Decrypt"] != 1 || len(cached) != 0 {
			t.Fatalf("alias=%v: put %v, open uncached %v, cached %v; want 1 Encrypt, 1 Decrypt, none", byAlias, put, uncached, cached)
		}
	}
}

// TestKMSRewrapToNewKeyWithReEncryptOnly moves every record from key A to
// key B by retargeting the alias; the rotation job uses ReEncrypt only,
// so no plaintext DEK enters the process.
func TestKMSRewrapToNewKeyWithReEncryptOnly(t *testing.T) {
	e := newKMSEnv(t)
	ctx := context.Background()
	creds := fixtures.All(canary)
	keys := make([]vault.Key, len(creds))
	for i, c := range creds {
		keys[i] = vault.Key{Org: "acme", Registry: "reg-" + string(c.Kind())}
		if _, err := e.v.Put(ctx, keys[i], entry(c)); err != nil {
			t.Fatal(err)
		}
	}
	b := e.emu.AddKey(false)
	if err := e.emu.RetargetAlias("alias/credvault-acme", b); err != nil {
		t.Fatal(err)
	}
	k, err := awskms.New(e.client, "alias/credvault-acme", awskms.WithAllowedKeys(e.arn))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(e.store, kek.StaticResolver{"acme": k})
	if err != nil {
		t.Fatal(err)
	}
	e.emu.ResetCalls()
	sum, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: "acme"}})
	if err != nil || sum.Done != int64(len(creds)) || sum.Failed != 0 {
		t.Fatalf("RewrapKEK = %+v, %v", sum, err)
	}
	if re, dec, enc := e.emu.Calls("ReEncrypt"), e.emu.Calls("Decrypt"), e.emu.Calls("Encrypt"); re != int64(len(creds)) || dec != 0 || enc != 0 {
		t.Fatalf("KMS calls: ReEncrypt %d, Decrypt %d, Encrypt %d; want %d, 0, 0", re, dec, enc, len(creds))
	}
	if s := v.Stats(); s.Rewraps != int64(len(creds)) || s.Unwraps != 0 || s.Wraps != 0 {
		t.Fatalf("Stats = %+v", s)
	}
	for i, key := range keys {
		rec, err := e.store.Get(ctx, key)
		if err != nil || rec.KeyID != b {
			t.Fatalf("%s: key ID %q, want key B %q (%v)", key, rec.KeyID, b, err)
		}
		got, _, err := v.Open(ctx, key)
		if err != nil || !sameCredential(t, creds[i], got.Credential) {
			t.Fatalf("%s does not open after rewrap: %v", key, err)
		}
	}
	if usage, err := v.KeyUsage(ctx, "acme"); err != nil || usage[e.arn] != 0 || usage[b] != int64(len(creds)) {
		t.Fatalf("KeyUsage = %v, %v", usage, err)
	}
}
