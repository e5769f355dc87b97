package awskms_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/awskms"
	"github.com/credvault/credvault/kek/kektest"
)

var dek = bytes.Repeat([]byte{7}, 32)

// recorder is a KMSAPI that remembers the last EncryptionContext sent.
type recorder struct {
	*kms.Client
	last map[string]string
}

func (r *recorder) Encrypt(ctx context.Context, in *kms.EncryptInput, o ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	r.last = in.EncryptionContext
	return r.Client.Encrypt(ctx, in, o...)
}

func TestEncryptionContextCarriesAADHashAndLabels(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	rec := &recorder{Client: newClient(e, nil)}
	k := mustNew(t, rec, e.AddKey(false))
	ctx := t.Context()
	aad := kek.AAD{Data: []byte("aad"), Labels: []kek.Label{{Name: "org", Value: "acme"}, {Name: "registry", Value: "ghcr"}}}
	wrapped, keyID, err := k.Wrap(ctx, dek, aad)
	require.NoError(t, err)
	assert.Equal(t, "acme", rec.last["credvault:org"])
	assert.Equal(t, "ghcr", rec.last["credvault:registry"])
	h, err := base64.RawURLEncoding.DecodeString(rec.last["credvault:aad"])
	require.NoError(t, err)
	assert.Len(t, h, 32)
	assert.Len(t, rec.last, 3)

	got, err := k.Unwrap(ctx, keyID, wrapped, aad)
	require.NoError(t, err)
	assert.Equal(t, dek, got)
	_, err = k.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: aad.Data})
	require.ErrorIs(t, err, kek.ErrUnwrap)
	other := kek.AAD{Data: aad.Data, Labels: []kek.Label{{Name: "org", Value: "evil"}, {Name: "registry", Value: "ghcr"}}}
	_, err = k.Unwrap(ctx, keyID, wrapped, other)
	require.ErrorIs(t, err, kek.ErrUnwrap)
}

// TestRecordsWrappedBeforeAADLabelsStillOpen: a DEK wrapped when the
// vault attached org and registry to the context (kek.WithLabels) has
// this exact EncryptionContext, written out here as that code built it;
// it unwraps, and rewraps, with the kek.AAD the vault passes now.
func TestRecordsWrappedBeforeAADLabelsStillOpen(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	client := newClient(e, nil)
	arn := e.AddKey(false)
	old, err := client.Encrypt(t.Context(), &kms.EncryptInput{KeyId: &arn, Plaintext: dek, EncryptionContext: map[string]string{
		"credvault:aad":      "19HnHANttQlQmoNM43SCrWItPK_MCASgS_irFdWuIlw", // base64url(SHA-256("v1|acme|ghcr"))
		"credvault:org":      "acme",
		"credvault:registry": "ghcr",
	}})
	require.NoError(t, err)
	k := mustNew(t, client, arn)
	aad := kek.AAD{Data: []byte("v1|acme|ghcr"), Labels: []kek.Label{{Name: "org", Value: "acme"}, {Name: "registry", Value: "ghcr"}}}
	got, err := k.Unwrap(t.Context(), arn, old.CiphertextBlob, aad)
	require.NoError(t, err)
	assert.Equal(t, dek, got)
	rewrapped, id, err := k.Rewrap(t.Context(), arn, old.CiphertextBlob, aad)
	require.NoError(t, err)
	got, err = k.Unwrap(t.Context(), id, rewrapped, aad)
	require.NoError(t, err)
	assert.Equal(t, dek, got)
}

func TestBadLabels(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	k := mustNew(t, newClient(e, nil), e.AddKey(false))
	nine := make([]kek.Label, 9)
	for i := range nine {
		nine[i] = kek.Label{Name: fmt.Sprint("l", i), Value: "x"}
	}
	for name, labels := range map[string][]kek.Label{
		"reserved":  {{Name: "aad", Value: "x"}},
		"uppercase": {{Name: "Org", Value: "x"}},
		"empty":     {{Name: "", Value: "x"}},
		"long":      {{Name: "org", Value: strings.Repeat("x", 513)}},
		"duplicate": {{Name: "org", Value: "a"}, {Name: "org", Value: "b"}},
		"tooMany":   nine,
	} {
		_, _, err := k.Wrap(t.Context(), dek, kek.AAD{Labels: labels})
		require.ErrorIs(t, err, kek.ErrInvalidInput)
		assert.Equal(t, int64(0), e.Calls("Encrypt"), name)
	}
}

// TestLongestRegistryNameFits: every registry name the vault accepts
// (kek.MaxRegistrySize bytes) fits in the EncryptionContext.
func TestLongestRegistryNameFits(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	k := mustNew(t, newClient(e, nil), e.AddKey(false))
	ctx := t.Context()
	aad := kek.AAD{Data: []byte("aad"), Labels: []kek.Label{{Name: "org", Value: "acme"}, {Name: "registry", Value: strings.Repeat("r", kek.MaxRegistrySize)}}}
	w, id, err := k.Wrap(ctx, dek, aad)
	require.NoError(t, err)
	_, err = k.Unwrap(ctx, id, w, aad)
	require.NoError(t, err)
}

func TestWrapRecordsKeyARNNotAlias(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	arn := e.AddKey(true)
	require.NoError(t, e.AddAlias("alias/acme", arn))
	k := mustNew(t, newClient(e, nil), "alias/acme")
	_, keyID, err := k.Wrap(t.Context(), dek, kek.AAD{})
	require.NoError(t, err)
	assert.Equal(t, arn, keyID)
	assert.Contains(t, keyID, ":key/mrk-")
	_, err = k.Unwrap(t.Context(), "alias/acme", []byte("x"), kek.AAD{})
	require.ErrorIs(t, err, kek.ErrKeyNotFound)
}

func TestThrottledCallsAreRetried(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	k := mustNew(t, newClient(e, nil), e.AddKey(false), awskms.WithMaxAttempts(4))
	e.ThrottleNext(3)
	_, _, err := k.Wrap(t.Context(), dek, kek.AAD{})
	require.NoError(t, err)
	assert.Equal(t, int64(4), e.Calls("Encrypt"))
	assert.Equal(t, 3, e.Throttled())
}

func TestDefaultRetryerRetriesThrottling(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	// The SDK's own default retryer, backoff included (3 attempts).
	k := mustNew(t, kms.NewFromConfig(e.Config()), e.AddKey(false))
	e.ThrottleNext(2)
	_, _, err := k.Wrap(t.Context(), dek, kek.AAD{})
	require.NoError(t, err)
	assert.Equal(t, int64(3), e.Calls("Encrypt"))
}

func TestRewrapUsesReEncrypt(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	oldARN, newARN := e.AddKey(false), e.AddKey(false)
	require.NoError(t, e.AddAlias("alias/acme", oldARN))
	k := mustNew(t, newClient(e, nil), "alias/acme", awskms.WithKeyIDCacheTTL(0), awskms.WithAllowedKeys(oldARN))
	ctx := t.Context()
	aad := kek.AAD{Data: []byte("aad"), Labels: []kek.Label{{Name: "org", Value: "acme"}}}
	wrapped, keyID, err := k.Wrap(ctx, dek, aad)
	require.NoError(t, err)
	assert.Equal(t, oldARN, keyID)
	require.NoError(t, e.RetargetAlias("alias/acme", newARN))
	cur, err := k.CurrentKeyID(ctx)
	require.NoError(t, err)
	assert.Equal(t, newARN, cur)

	rewrapped, newID, err := k.Rewrap(ctx, keyID, wrapped, aad)
	require.NoError(t, err)
	assert.Equal(t, newARN, newID)
	assert.Equal(t, int64(0), e.Calls("Decrypt"), "rewrap never decrypts in the process")
	assert.Equal(t, int64(1), e.Calls("ReEncrypt"))
	got, err := k.Unwrap(ctx, newID, rewrapped, aad)
	require.NoError(t, err)
	assert.Equal(t, dek, got)
	_, _, err = k.Rewrap(ctx, keyID, wrapped, kek.AAD{Data: []byte("other"), Labels: aad.Labels})
	require.ErrorIs(t, err, kek.ErrUnwrap)
	_, _, err = k.Rewrap(ctx, keyID, wrapped, kek.AAD{Data: aad.Data})
	require.ErrorIs(t, err, kek.ErrUnwrap)
}

func TestForeignKeyRefusedWithoutDecrypt(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	client := newClient(e, nil)
	a, b := mustNew(t, client, e.AddKey(false)), mustNew(t, client, e.AddKey(false))
	wrapped, keyID, err := a.Wrap(t.Context(), dek, kek.AAD{})
	require.NoError(t, err)
	_, err = b.Unwrap(t.Context(), keyID, wrapped, kek.AAD{})
	require.ErrorIs(t, err, kek.ErrKeyNotFound)
	_, _, err = b.Rewrap(t.Context(), keyID, wrapped, kek.AAD{})
	require.ErrorIs(t, err, kek.ErrKeyNotFound)
	assert.Equal(t, int64(0), e.Calls("Decrypt")+e.Calls("ReEncrypt"))
}

func TestAutomaticRotationKeepsKeyID(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	arn := e.AddKey(false)
	k := mustNew(t, newClient(e, nil), arn)
	wrapped, keyID, err := k.Wrap(t.Context(), dek, kek.AAD{})
	require.NoError(t, err)
	require.NoError(t, e.RotateKey(arn))
	_, keyID2, err := k.Wrap(t.Context(), dek, kek.AAD{})
	require.NoError(t, err)
	assert.Equal(t, keyID, keyID2)
	got, err := k.Unwrap(t.Context(), keyID, wrapped, kek.AAD{})
	require.NoError(t, err)
	assert.Equal(t, dek, got)
}

// TestLatencyHitsDeadlineWithoutLeaks counts the process's goroutines, so
// it is not parallel: parallel tests wait while it runs, and their SDK
// retries cannot move the count.
func TestLatencyHitsDeadlineWithoutLeaks(t *testing.T) {
	e := kmsemu.Start(t)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	k := mustNew(t, newClient(e, transport), e.AddKey(false))
	wrapped, keyID, err := k.Wrap(t.Context(), dek, kek.AAD{}) // warm up the SDK
	require.NoError(t, err)
	before := settledGoroutines(transport, 0)

	e.SetLatency(time.Hour)
	ops := map[string]func(context.Context) error{
		"Wrap":   func(ctx context.Context) error { _, _, err := k.Wrap(ctx, dek, kek.AAD{}); return err },
		"Unwrap": func(ctx context.Context) error { _, err := k.Unwrap(ctx, keyID, wrapped, kek.AAD{}); return err },
		"Rewrap": func(ctx context.Context) error { _, _, err := k.Rewrap(ctx, keyID, wrapped, kek.AAD{}); return err },
	}
	for name, op := range ops {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		err := op(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, kek.ErrUnavailable) {
			t.Errorf("%s: got %v, want DeadlineExceeded and ErrUnavailable", name, err)
		}
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err = k.Wrap(cancelled, dek, kek.AAD{})
	require.ErrorIs(t, err, context.Canceled)
	e.ClearFaults()

	if after := settledGoroutines(transport, before); after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

// settledGoroutines closes idle connections and waits (bounded) until the
// goroutine count is at most target (0: until it stops changing), returning
// the last count.
func settledGoroutines(tr *http.Transport, target int) int {
	prev := -1
	for range 200 {
		tr.CloseIdleConnections()
		n := runtime.NumGoroutine()
		if (target > 0 && n <= target) || (target == 0 && n == prev) {
			return n
		}
		prev = n
		time.Sleep(10 * time.Millisecond)
	}
	return prev
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	c := kms.NewFromConfig(kmsemu.New().Config())
	for name, tc := range map[string]struct {
		client awskms.KMSAPI
		keyID  string
		opts   []awskms.Option
	}{
		"nil client":   {nil, "alias/x", nil},
		"empty key":    {c, "", nil},
		"spaces":       {c, "alias/a b", nil},
		"long key":     {c, strings.Repeat("a", kek.MaxKeyIDSize+1), nil},
		"attempts 0":   {c, "alias/x", []awskms.Option{awskms.WithMaxAttempts(0)}},
		"negative TTL": {c, "alias/x", []awskms.Option{awskms.WithKeyIDCacheTTL(-1)}},
	} {
		_, err := awskms.New(tc.client, tc.keyID, tc.opts...)
		if !errors.Is(err, kek.ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", name, err)
		}
	}
}

// BenchmarkWrapUnwrap measures a Wrap and an Unwrap through the real SDK
// against the emulator (two loopback KMS calls).
func BenchmarkWrapUnwrap(b *testing.B) {
	e := kmsemu.Start(b)
	k := mustNew(b, newClient(e, nil), e.AddKey(false))
	for b.Loop() {
		wrapped, keyID, err := k.Wrap(b.Context(), dek, kek.AAD{Data: []byte("aad")})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Unwrap(b.Context(), keyID, wrapped, kek.AAD{Data: []byte("aad")}); err != nil {
			b.Fatal(err)
		}
	}
}

// denyDescribe is a KMSAPI whose credentials lack kms:DescribeKey.
type denyDescribe struct{ *kms.Client }

func (denyDescribe) DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return nil, errors.New("DescribeKey not allowed")
}

func TestUnwrapWithoutDescribeKeyWhenConfiguredByKeyID(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	arn := e.AddKey(false)
	bare := arn[strings.LastIndex(arn, "/")+1:]
	wrapped, keyID, err := mustNew(t, newClient(e, nil), arn).Wrap(t.Context(), dek, kek.AAD{})
	require.NoError(t, err)
	for _, id := range []string{arn, bare} {
		k := mustNew(t, denyDescribe{newClient(e, nil)}, id)
		got, err := k.Unwrap(t.Context(), keyID, wrapped, kek.AAD{})
		require.NoError(t, err, id)
		assert.Equal(t, dek, got)
	}
	assert.Equal(t, int64(0), e.Calls("DescribeKey"))
}

// newClient returns a real SDK client for e. Retries keep the SDK's
// standard retryer with a zero backoff so tests stay fast.
func newClient(e *kmsemu.Emulator, transport *http.Transport) *kms.Client {
	cfg := e.Config()
	if transport != nil {
		cfg.HTTPClient = &http.Client{Transport: transport}
	}
	return kms.NewFromConfig(cfg, func(o *kms.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	})
}

func mustNew(t testing.TB, client awskms.KMSAPI, keyID string, opts ...awskms.Option) *awskms.KEK {
	t.Helper()
	k, err := awskms.New(client, keyID, opts...)
	require.NoError(t, err)
	return k
}

var aliasSeq atomic.Int64

func TestConformance(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	client := newClient(e, nil)
	forms := map[string]func() string{
		"KeyARN": func() string { return e.AddKey(false) },
		"MultiRegionAliasARN": func() string {
			name := fmt.Sprintf("alias/mrk-%d", aliasSeq.Add(1))
			require.NoError(t, e.AddAlias(name, e.AddKey(true)))
			return "arn:aws:kms:us-east-1:111122223333:" + name
		},
		"Alias": func() string {
			name := fmt.Sprintf("alias/org-%d", aliasSeq.Add(1))
			require.NoError(t, e.AddAlias(name, e.AddKey(false)))
			return name
		},
	}
	for name, newKeyID := range forms {
		t.Run(name, func(t *testing.T) {
			h := kektest.Harness{
				New:           func(t *testing.T) kek.KEK { return mustNew(t, client, newKeyID()) },
				Other:         func(t *testing.T) kek.KEK { return mustNew(t, client, newKeyID()) },
				Reopen:        func(t *testing.T, k kek.KEK) kek.KEK { return reopen(t, e, k) },
				ChecksContext: true,
				BindsLabels:   true,
			}
			if name == "Alias" {
				h.Rotate = func(t *testing.T, k kek.KEK) kek.KEK { return rotateAlias(t, e, client, k) }
			}
			kektest.Run(t, h)
		})
	}
}

// reopen builds a KEK over the same key identifier with a new client.
func reopen(t *testing.T, e *kmsemu.Emulator, k kek.KEK) kek.KEK {
	return mustNew(t, newClient(e, nil), configuredID(k))
}

// rotateAlias points the KEK's alias at a fresh key: the KMS way to move
// to a new key (automatic rotation keeps the ARN and needs no rewrap).
func rotateAlias(t *testing.T, e *kmsemu.Emulator, client *kms.Client, k kek.KEK) kek.KEK {
	alias := configuredID(k)
	old, err := k.CurrentKeyID(t.Context())
	require.NoError(t, err)
	require.NoError(t, e.RetargetAlias(alias, e.AddKey(false)))
	return mustNew(t, client, alias, awskms.WithAllowedKeys(old))
}

func configuredID(k kek.KEK) string {
	return k.(*awskms.KEK).String()[len("awskms:"):]
}

func ExampleNew() {
	// An in-process KMS stands in for AWS; in production use
	// kms.NewFromConfig(cfg) with config.LoadDefaultConfig.
	emu := kmsemu.New()
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.URL = srv.URL
	_ = emu.AddAlias("alias/acme", emu.AddKey(false))

	k, err := awskms.New(kms.NewFromConfig(emu.Config()), "alias/acme", awskms.WithMaxAttempts(5))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Labels appear in the KMS EncryptionContext (and so in CloudTrail);
	// Unwrap needs the same Data and Labels.
	ctx := context.Background()
	aad := kek.AAD{
		Data:   []byte("v1|acme|ghcr"),
		Labels: []kek.Label{{Name: "org", Value: "acme"}, {Name: "registry", Value: "ghcr"}},
	}
	dek := []byte("0123456789abcdef0123456789abcdef")
	wrapped, keyID, err := k.Wrap(ctx, dek, aad)
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := k.Unwrap(ctx, keyID, wrapped, aad)
	fmt.Println(strings.HasPrefix(keyID, "arn:aws:kms:us-east-1:"), string(got) == string(dek), err)
	// Output: true true <nil>
}
