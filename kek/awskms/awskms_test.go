package awskms_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/awskms"
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

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	client := newClient(e, nil)
	good := e.AddKey(false)
	other := e.AddKey(false)
	// other is allowed so the incorrect-key case reaches KMS.
	k := mustNew(t, client, good, awskms.WithMaxAttempts(2), awskms.WithAllowedKeys(other))
	wrapped, keyID, err := k.Wrap(t.Context(), dek, kek.AAD{Data: []byte("aad")})
	require.NoError(t, err)
	disabled, pending, denied := e.AddKey(false), e.AddKey(false), e.AddKey(false)
	require.NoError(t, e.SetKeyState(disabled, kmsemu.StateDisabled))
	require.NoError(t, e.SetKeyState(pending, kmsemu.StatePendingDeletion))
	require.NoError(t, e.Deny("", denied))
	wrapWith := func(id string) error {
		_, _, err := mustNew(t, client, id, awskms.WithMaxAttempts(2)).Wrap(t.Context(), dek, kek.AAD{})
		return err
	}
	tests := []struct {
		name  string
		call  func() error
		want  error
		code  string
		sdkAs func(error) bool
	}{
		{"not found", func() error { return wrapWith("alias/missing") }, kek.ErrKeyNotFound, "NotFoundException", as[*types.NotFoundException]},
		{"disabled", func() error { return wrapWith(disabled) }, kek.ErrKeyDisabled, "DisabledException", as[*types.DisabledException]},
		{"pending deletion", func() error { return wrapWith(pending) }, kek.ErrKeyDisabled, "KMSInvalidStateException", as[*types.KMSInvalidStateException]},
		{"access denied", func() error { return wrapWith(denied) }, kek.ErrAccessDenied, "AccessDeniedException", nil},
		{"wrong AAD", func() error {
			_, err := k.Unwrap(t.Context(), keyID, wrapped, kek.AAD{Data: []byte("bad")})
			return err
		}, kek.ErrUnwrap, "InvalidCiphertextException", as[*types.InvalidCiphertextException]},
		{"incorrect key", func() error {
			_, err := k.Unwrap(t.Context(), other, wrapped, kek.AAD{Data: []byte("aad")})
			return err
		}, kek.ErrUnwrap, "IncorrectKeyException", as[*types.IncorrectKeyException]},
		{"throttled past retries", func() error { e.ThrottleNext(2); return wrapWith(good) }, kek.ErrUnavailable, "ThrottlingException", nil},
		{"internal error past retries", func() error { e.FailNext(2); return wrapWith(good) }, kek.ErrUnavailable, "KMSInternalException", as[*types.KMSInternalException]},
		{"dependency timeout", func() error { e.FailNextWith(2, kmsemu.ExDependencyTimeout); return wrapWith(good) }, kek.ErrUnavailable, "DependencyTimeoutException", as[*types.DependencyTimeoutException]},
		{"dropped connections", func() error { e.DropNext(2); return wrapWith(good) }, kek.ErrUnavailable, "", nil},
		{"current key disabled", func() error {
			_, err := mustNew(t, client, disabled).CurrentKeyID(t.Context())
			return err
		}, kek.ErrKeyDisabled, "", nil},
	}
	for _, tt := range tests {
		// Sequential: injected faults are emulator-wide.
		err := tt.call()
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
			continue
		}
		var ae *awskms.Error
		require.True(t, errors.As(err, &ae), tt.name)
		assert.Equal(t, tt.code, ae.Code, tt.name)
		if tt.sdkAs != nil {
			assert.True(t, tt.sdkAs(err), "%s: SDK error reachable with errors.As", tt.name)
		}
	}
}

func as[T error](err error) bool {
	var target T
	return errors.As(err, &target)
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
