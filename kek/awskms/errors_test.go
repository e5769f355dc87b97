package awskms_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/awskms"
)

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
