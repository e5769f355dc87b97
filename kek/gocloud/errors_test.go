package gocloud_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocloud.dev/gcerrors"
	"gocloud.dev/secrets"
	"gocloud.dev/secrets/driver"

	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/gocloud"
)

// failingDriver is a secrets driver (driver.Keeper) whose every call fails with err,
// reported under code, the way gocloud's drivers report their failures.
type failingDriver struct {
	err  error
	code gcerrors.ErrorCode
}

func (d failingDriver) Encrypt(context.Context, []byte) ([]byte, error) { return nil, d.err }
func (d failingDriver) Decrypt(context.Context, []byte) ([]byte, error) { return nil, d.err }
func (d failingDriver) Close() error                                    { return nil }
func (d failingDriver) ErrorAs(err error, i any) bool                   { return errors.As(err, i) }
func (d failingDriver) ErrorCode(error) gcerrors.ErrorCode              { return d.code }

// TestErrorMapping drives the mapping with the codes gocloud's drivers
// report: an outage, throttling or failed authentication must never be
// kek.ErrUnwrap, which the vault reports as a tampered record.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	plain := errors.New("driver failure")
	aws := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	tests := []struct {
		name       string
		keyID      string
		err        error
		code       gcerrors.ErrorCode
		wrap, open error // the sentinel Wrap and Unwrap must match
	}{
		{"azure 502/503/504, gcpkms UNAUTHENTICATED or ABORTED, hashivault: Unknown", "k", plain, gcerrors.Unknown, kek.ErrUnavailable, kek.ErrUnavailable},
		{"bad ciphertext: InvalidArgument", "k", plain, gcerrors.InvalidArgument, kek.ErrInvalidInput, kek.ErrUnwrap},
		{"PermissionDenied", "k", plain, gcerrors.PermissionDenied, kek.ErrAccessDenied, kek.ErrAccessDenied},
		{"NotFound", "k", plain, gcerrors.NotFound, kek.ErrKeyNotFound, kek.ErrKeyNotFound},
		{"FailedPrecondition", "k", plain, gcerrors.FailedPrecondition, kek.ErrKeyDisabled, kek.ErrKeyDisabled},
		{"ResourceExhausted", "k", plain, gcerrors.ResourceExhausted, kek.ErrUnavailable, kek.ErrUnavailable},
		{"Internal", "k", plain, gcerrors.Internal, kek.ErrUnavailable, kek.ErrUnavailable},
		{"Unimplemented", "k", plain, gcerrors.Unimplemented, kek.ErrUnavailable, kek.ErrUnavailable},
		{"DeadlineExceeded", "k", plain, gcerrors.DeadlineExceeded, kek.ErrUnavailable, kek.ErrUnavailable},
		{"context cancelled", "k", context.Canceled, gcerrors.Unknown, kek.ErrUnavailable, kek.ErrUnavailable},
		{"awskms AccessDeniedException", "k", aws("AccessDeniedException"), gcerrors.Unknown, kek.ErrAccessDenied, kek.ErrAccessDenied},
		{"awskms ExpiredTokenException", "k", aws("ExpiredTokenException"), gcerrors.Unknown, kek.ErrAccessDenied, kek.ErrAccessDenied},
		{"awskms ThrottlingException", "k", aws("ThrottlingException"), gcerrors.Unknown, kek.ErrUnavailable, kek.ErrUnavailable},
		{"awskms DisabledException", "k", aws("DisabledException"), gcerrors.PermissionDenied, kek.ErrKeyDisabled, kek.ErrKeyDisabled},
		{"awskms KMSInvalidStateException", "k", aws("KMSInvalidStateException"), gcerrors.FailedPrecondition, kek.ErrKeyDisabled, kek.ErrKeyDisabled},
		{"awskms InvalidKeyUsageException", "k", aws("InvalidKeyUsageException"), gcerrors.InvalidArgument, kek.ErrInvalidInput, kek.ErrInvalidInput},
		{"awskms InvalidCiphertextException", "k", aws("InvalidCiphertextException"), gcerrors.InvalidArgument, kek.ErrInvalidInput, kek.ErrUnwrap},
		{"awskms unknown code", "k", aws("SomethingNewException"), gcerrors.Unknown, kek.ErrUnavailable, kek.ErrUnavailable},
		{"localsecrets: Unknown is the ciphertext's", "base64key://sha256:0011223344556677", plain, gcerrors.Unknown, kek.ErrUnavailable, kek.ErrUnwrap},
	}
	for _, tt := range tests {
		k, err := gocloud.New(secrets.NewKeeper(failingDriver{tt.err, tt.code}), tt.keyID)
		if err != nil {
			t.Fatal(err)
		}
		_, _, werr := k.Wrap(t.Context(), []byte("dek"), kek.AAD{})
		_, uerr := k.Unwrap(t.Context(), tt.keyID, []byte("wrapped"), kek.AAD{})
		for op, c := range map[string]struct{ got, want error }{"Wrap": {werr, tt.wrap}, "Unwrap": {uerr, tt.open}} {
			if !errors.Is(c.got, c.want) {
				t.Errorf("%s: %s: got %v, want %v", tt.name, op, c.got, c.want)
			}
			if c.want != kek.ErrUnwrap && errors.Is(c.got, kek.ErrUnwrap) {
				t.Errorf("%s: %s: %v would make an intact record look corrupt", tt.name, op, c.got)
			}
			if !errors.Is(c.got, tt.err) {
				t.Errorf("%s: %s: %v does not unwrap to the driver's error", tt.name, op, c.got)
			}
		}
		_ = k.Close()
	}
}

var _ driver.Keeper = failingDriver{}

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
