package gocloud_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/smithy-go"
	"gocloud.dev/gcerrors"
	"gocloud.dev/secrets"
	"gocloud.dev/secrets/driver"

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
