package gocloud

import (
	"context"
	"errors"

	"gocloud.dev/gcerrors"

	"github.com/credvault/credvault/internal/awskmserr"
	"github.com/credvault/credvault/kek"
)

// An Error is a failed KEK operation. It matches a kek sentinel under
// errors.Is; for Wrap and Unwrap it also unwraps to the Keeper's error.
// Its message holds the redacted key ID, never the URL's secrets.
type Error struct {
	// Op is the operation: "parse", "open", "Encrypt" or "Decrypt".
	Op string
	// KeyID is the redacted key ID, when known.
	KeyID string
	// Code is gocloud's portable error code (OK when not from gocloud).
	Code gcerrors.ErrorCode
	// Err is the underlying error.
	Err error

	kind error
}

// Error implements error.
func (e *Error) Error() string {
	msg := "gocloud: " + e.Op
	if e.KeyID != "" {
		msg += " " + e.KeyID
	}
	msg += ": " + e.kind.Error()
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the kek sentinel and the underlying error.
func (e *Error) Unwrap() []error { return []error{e.kind, e.Err} }

// ErrKeyVersionRequired: an azurekeyvault:// URL names no key version.
// KeyID and Open report it inside an *Error matching kek.ErrInvalidInput.
var ErrKeyVersionRequired = errors.New("azurekeyvault URL names no key version")

// classify maps a Keeper error to a kek sentinel.
//
// Only a failure that is the ciphertext's own becomes kek.ErrUnwrap, which
// the vault reports as a corrupt record: gcerrors.InvalidArgument on
// Decrypt, AWS InvalidCiphertextException and IncorrectKeyException, and,
// when unknownIsCiphertext, any gcerrors.Unknown from Decrypt (the
// localsecrets driver classifies nothing, and fails Decrypt only on a bad
// ciphertext). Everything not recognised, including the gcerrors.Unknown
// that drivers report for throttling, outages and failed authentication,
// is kek.ErrUnavailable: a KMS problem must never make intact records look
// tampered with.
func classify(err error, decrypting, unknownIsCiphertext bool) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return kek.ErrUnavailable
	}
	if kind := awskmserr.Kind(err); kind != nil { // gocloud's awskms driver
		if kind == kek.ErrUnwrap && !decrypting {
			return kek.ErrInvalidInput
		}
		return kind
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return kek.ErrKeyNotFound
	case gcerrors.PermissionDenied:
		return kek.ErrAccessDenied
	case gcerrors.FailedPrecondition:
		return kek.ErrKeyDisabled
	case gcerrors.InvalidArgument:
		if decrypting {
			return kek.ErrUnwrap
		}
		return kek.ErrInvalidInput
	case gcerrors.Unknown:
		if decrypting && unknownIsCiphertext {
			return kek.ErrUnwrap
		}
	}
	return kek.ErrUnavailable
}
