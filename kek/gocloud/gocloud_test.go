package gocloud_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "gocloud.dev/secrets/awskms"
	_ "gocloud.dev/secrets/localsecrets"

	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/gocloud"
	"github.com/credvault/credvault/kek/kektest"
)

// TestMain gives gocloud's awskms driver (which loads the default AWS
// config) fake static credentials and no shared config files.
func TestMain(m *testing.M) {
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":       "fake-secret",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		os.Setenv(k, v)
	}
	os.Exit(m.Run())
}

// urls remembers the URL each KEK was opened from, for Reopen.
var urls sync.Map

func open(t *testing.T, u string) *gocloud.KEK {
	t.Helper()
	k, err := gocloud.Open(t.Context(), u)
	require.NoError(t, err)
	t.Cleanup(func() { _ = k.Close() })
	urls.Store(k, u)
	return k
}

func reopen(t *testing.T, k kek.KEK) kek.KEK {
	u, _ := urls.Load(k)
	return open(t, u.(string))
}

func randomKeyURL(t *testing.T) string {
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	return "base64key://" + base64.URLEncoding.EncodeToString(key)
}

func awsURL(e *kmsemu.Emulator, keyID string) string {
	return "awskms:///" + keyID + "?region=" + e.Region() + "&endpoint=" + url.QueryEscape(e.URL)
}

func TestConformanceBase64Key(t *testing.T) {
	t.Parallel()
	kektest.Run(t, kektest.Harness{
		New:           func(t *testing.T) kek.KEK { return open(t, randomKeyURL(t)) },
		Other:         func(t *testing.T) kek.KEK { return open(t, randomKeyURL(t)) },
		Reopen:        reopen,
		ChecksContext: true,
	})
}

func TestConformanceAWSKMS(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	kektest.Run(t, kektest.Harness{
		New:           func(t *testing.T) kek.KEK { return open(t, awsURL(e, e.AddKey(false))) },
		Other:         func(t *testing.T) kek.KEK { return open(t, awsURL(e, e.AddKey(true))) },
		Reopen:        reopen,
		ChecksContext: true,
	})
}

func TestKeyID(t *testing.T) {
	t.Parallel()
	key := "smGbjm71Nxd1Ig5FS0wj9SlbzAIrnolCz9bQQ6uAhl4="
	tests := []struct{ url, want string }{
		{"base64key://" + key, "base64key://sha256:"},
		{"awskms:///arn:aws:kms:us-east-1:111122223333:key/abc?region=us-east-1&context_org=acme", "awskms:///arn:aws:kms:us-east-1:111122223333:key/abc"},
		{"awskms://alias/acme?region=us-east-1", "awskms://alias/acme"},
		{"gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k", "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k"},
		{"hashivault://user:pass@vault/mykey?token=s.secret#frag", "hashivault://vault/mykey"},
	}
	for _, tt := range tests {
		got, err := gocloud.KeyID(tt.url)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(got, tt.want), "KeyID(%q) = %q, want prefix %q", tt.url, got, tt.want)
		for _, secret := range []string{key, "pass", "s.secret", "region", "frag"} {
			assert.False(t, strings.Contains(got, secret), "key ID %q contains %q", got, secret)
		}
	}
	id1, _ := gocloud.KeyID("base64key://" + key)
	id2, _ := gocloud.KeyID(randomKeyURL(t))
	assert.NotEqual(t, id1, id2)
	assert.Equal(t, len("base64key://sha256:")+16, len(id1))

	for _, bad := range []string{"", "base64key://", "no-scheme", "base64key:opaque", "http://[::1", strings.Repeat("a", 5000)} {
		_, err := gocloud.KeyID(bad)
		require.ErrorIs(t, err, kek.ErrInvalidInput)
	}
}

// TestErrorsNeverLeakSecrets drives every failing path with canary
// secrets in the URL and checks no error text contains them.
func TestErrorsNeverLeakSecrets(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	const canary = "CANARYsecretVALUE"
	keyURL := randomKeyURL(t)
	key := strings.TrimPrefix(keyURL, "base64key://")
	opens := []string{
		keyURL + "?x=" + canary,                                  // localsecrets refuses the query
		"base64key://" + canary,                                  // not base64 of 32 bytes
		"unregistered://" + canary + "@host/key?token=" + canary, // no driver
		awsURL(e, e.AddKey(false)) + "&token=" + canary,          // unknown awskms parameter
		"http://[::1" + canary,                                   // unparsable
	}
	for _, u := range opens {
		_, err := gocloud.Open(t.Context(), u)
		require.Error(t, err, "open must fail")
		assert.False(t, strings.Contains(err.Error(), canary), "error leaks the canary: %v", err)
	}
	k := open(t, keyURL)
	id, _ := k.CurrentKeyID(t.Context())
	wrapped, _, err := k.Wrap(t.Context(), []byte("dek"), kek.AAD{Data: []byte("aad")})
	require.NoError(t, err)
	errs := []error{}
	_, err = k.Unwrap(t.Context(), id, wrapped, kek.AAD{Data: []byte("other")})
	errs = append(errs, err)
	_, err = k.Unwrap(t.Context(), id, []byte("garbage"), kek.AAD{})
	errs = append(errs, err)
	_, err = k.Unwrap(t.Context(), "x", wrapped, kek.AAD{})
	errs = append(errs, err)
	for _, err := range errs {
		require.Error(t, err)
		assert.False(t, strings.Contains(err.Error(), key), "error leaks the key: %v", err)
		assert.False(t, strings.Contains(k.String(), key), "String leaks the key")
	}
}

func TestAWSErrorMapping(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	// Each key wraps a DEK while healthy; faults come afterwards.
	type keyed struct {
		k       *gocloud.KEK
		id      string
		wrapped []byte
	}
	newKey := func() keyed {
		k := open(t, awsURL(e, e.AddKey(false)))
		id, err := k.CurrentKeyID(t.Context())
		require.NoError(t, err)
		wrapped, _, err := k.Wrap(t.Context(), []byte("dek"), kek.AAD{Data: []byte("aad")})
		require.NoError(t, err)
		return keyed{k, id, wrapped}
	}
	good, disabled, pending, denied := newKey(), newKey(), newKey(), newKey()
	arn := func(k keyed) string { return strings.TrimPrefix(k.id, "awskms:///") }
	require.NoError(t, e.SetKeyState(arn(disabled), kmsemu.StateDisabled))
	require.NoError(t, e.SetKeyState(arn(pending), kmsemu.StatePendingDeletion))
	require.NoError(t, e.Deny("", arn(denied)))
	wrap := func(k keyed) error {
		_, _, err := k.k.Wrap(t.Context(), []byte("dek"), kek.AAD{Data: []byte("aad")})
		return err
	}
	unwrap := func(k keyed) error {
		_, err := k.k.Unwrap(t.Context(), k.id, k.wrapped, kek.AAD{Data: []byte("aad")})
		return err
	}
	tampered := good
	tampered.wrapped = append([]byte(nil), good.wrapped...)
	tampered.wrapped[len(tampered.wrapped)-1] ^= 1
	tests := []struct {
		name  string
		fault func()
		call  func() error
		want  error
	}{
		{"not found", nil, func() error {
			_, _, err := open(t, awsURL(e, "alias/missing")).Wrap(t.Context(), []byte("dek"), kek.AAD{})
			return err
		}, kek.ErrKeyNotFound},
		{"Wrap, disabled key", nil, func() error { return wrap(disabled) }, kek.ErrKeyDisabled},
		{"Unwrap, disabled key", nil, func() error { return unwrap(disabled) }, kek.ErrKeyDisabled},
		{"Wrap, key pending deletion", nil, func() error { return wrap(pending) }, kek.ErrKeyDisabled},
		{"Unwrap, key pending deletion", nil, func() error { return unwrap(pending) }, kek.ErrKeyDisabled},
		{"Wrap, access denied", nil, func() error { return wrap(denied) }, kek.ErrAccessDenied},
		{"Unwrap, access denied", nil, func() error { return unwrap(denied) }, kek.ErrAccessDenied},
		{"Wrap, throttled past retries", func() { e.ThrottleNext(3) }, func() error { return wrap(good) }, kek.ErrUnavailable},
		{"Unwrap, throttled past retries", func() { e.ThrottleNext(3) }, func() error { return unwrap(good) }, kek.ErrUnavailable},
		{"Unwrap, dependency timeouts", func() { e.FailNextWith(3, kmsemu.ExDependencyTimeout) }, func() error { return unwrap(good) }, kek.ErrUnavailable},
		{"Wrap, internal errors past retries", func() { e.FailNext(3) }, func() error { return wrap(good) }, kek.ErrUnavailable},
		{"Unwrap, internal errors past retries", func() { e.FailNext(3) }, func() error { return unwrap(good) }, kek.ErrUnavailable},
		{"Unwrap, dropped connections", func() { e.DropNext(3) }, func() error { return unwrap(good) }, kek.ErrUnavailable},
		{"Unwrap, tampered", nil, func() error { return unwrap(tampered) }, kek.ErrUnwrap},
		{"Unwrap, wrong AAD", nil, func() error {
			_, err := good.k.Unwrap(t.Context(), good.id, good.wrapped, kek.AAD{Data: []byte("bad")})
			return err
		}, kek.ErrUnwrap},
	}
	for _, tt := range tests {
		// Sequential: injected faults are emulator-wide.
		e.ClearFaults()
		require.NoError(t, e.Deny("", arn(denied)))
		if tt.fault != nil {
			tt.fault()
		}
		err := tt.call()
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
		if tt.want != kek.ErrUnwrap && errors.Is(err, kek.ErrUnwrap) {
			t.Errorf("%s: %v reports an intact DEK as not authenticating", tt.name, err)
		}
		var ge *gocloud.Error
		assert.True(t, errors.As(err, &ge), "%s: *gocloud.Error", tt.name)
	}
	e.ClearFaults()
	require.NoError(t, unwrap(good), "the intact DEK opens once the faults clear")
}

// TestLatencyHitsDeadlineWithoutLeaks counts the process's goroutines, so
// it is not parallel: parallel tests wait while it runs, and their SDK
// retries cannot move the count.
func TestLatencyHitsDeadlineWithoutLeaks(t *testing.T) {
	e := kmsemu.Start(t)
	k := open(t, awsURL(e, e.AddKey(false)))
	id, _ := k.CurrentKeyID(t.Context())
	wrapped, _, err := k.Wrap(t.Context(), []byte("dek"), kek.AAD{})
	require.NoError(t, err)
	before := runtime.NumGoroutine()
	e.SetLatency(time.Hour)
	for name, op := range map[string]func(context.Context) error{
		"Wrap":   func(ctx context.Context) error { _, _, err := k.Wrap(ctx, []byte("dek"), kek.AAD{}); return err },
		"Unwrap": func(ctx context.Context) error { _, err := k.Unwrap(ctx, id, wrapped, kek.AAD{}); return err },
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		err := op(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, kek.ErrUnavailable) {
			t.Errorf("%s: got %v, want DeadlineExceeded and ErrUnavailable", name, err)
		}
	}
	e.ClearFaults()
	after := 0
	for range 200 {
		if after = runtime.NumGoroutine(); after <= before {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestNewAndCancelledOpen(t *testing.T) {
	t.Parallel()
	_, err := gocloud.New(nil, "x")
	require.ErrorIs(t, err, kek.ErrInvalidInput)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = gocloud.Open(ctx, randomKeyURL(t))
	require.ErrorIs(t, err, kek.ErrUnavailable)
	require.ErrorIs(t, err, context.Canceled)
}
