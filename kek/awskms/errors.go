package awskms

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"

	"github.com/credvault/credvault/internal/awskmserr"
	"github.com/credvault/credvault/kek"
)

// An Error is a failed KEK operation. It matches a kek sentinel under
// errors.Is and unwraps to the SDK error (if any) for errors.As. Its
// message never contains key material or DEKs.
type Error struct {
	// Op is the KMS operation, such as "Decrypt".
	Op string
	// Code is the KMS error code ("NotFoundException"), or "" when the call
	// did not get an error response.
	Code string
	// Err is the underlying error.
	Err error

	kind error
}

// Error implements error.
func (e *Error) Error() string {
	msg := "awskms: " + e.Op + ": " + e.kind.Error()
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the kek sentinel and the underlying error.
func (e *Error) Unwrap() []error { return []error{e.kind, e.Err} }

// protocolError reports a KMS response that lacks what the call promises.
func protocolError(op string) error {
	return &Error{Op: op, kind: kek.ErrUnavailable, Err: errors.New("malformed KMS response")}
}

// mapError classifies an SDK error. Anything not recognised (throttling
// after retries, KMSInternalException, DependencyTimeoutException,
// KeyUnavailableException, transport failures, cancellation) is
// kek.ErrUnavailable.
func mapError(op string, err error) error {
	e := &Error{Op: op, Err: err, kind: kek.ErrUnavailable}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code = ae.ErrorCode()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return e
	}
	if kind := awskmserr.Kind(err); kind != nil {
		e.kind = kind
	}
	return e
}
