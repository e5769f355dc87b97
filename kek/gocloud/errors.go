package gocloud

import (
	"context"
	"errors"
	"net"

	"gocloud.dev/gcerrors"

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

// classify maps a Keeper error to a kek sentinel. decrypting says whether
// a refusal means the ciphertext did not authenticate.
func classify(err error, decrypting bool) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return kek.ErrUnavailable
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return kek.ErrKeyNotFound
	case gcerrors.PermissionDenied:
		return kek.ErrAccessDenied
	case gcerrors.FailedPrecondition:
		return kek.ErrKeyDisabled
	case gcerrors.Canceled, gcerrors.DeadlineExceeded, gcerrors.ResourceExhausted, gcerrors.Internal:
		return kek.ErrUnavailable
	case gcerrors.InvalidArgument:
		if decrypting {
			return kek.ErrUnwrap
		}
		return kek.ErrInvalidInput
	}
	var ne net.Error
	if errors.As(err, &ne) || !decrypting {
		return kek.ErrUnavailable
	}
	return kek.ErrUnwrap
}
